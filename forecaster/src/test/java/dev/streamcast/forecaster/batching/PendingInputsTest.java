package dev.streamcast.forecaster.batching;

import dev.streamcast.forecaster.state.EntityState;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PendingInputsTest {

    @Test
    void aBatchIsFullAtTheMaximumSize() {
        PendingInputs pending = new PendingInputs(3);

        assertThat(pending.add("a", new EntityState(), null, null)).isFalse();
        assertThat(pending.add("b", new EntityState(), null, null)).isFalse();
        assertThat(pending.add("a", new EntityState(), null, null)).as("the same entity again is not one more").isFalse();
        assertThat(pending.add("c", new EntityState(), null, null)).isTrue();
    }

    @Test
    void drainingGivesBatchesOfAtMostTheMaximumInArrivalOrderAndEmptiesIt() {
        PendingInputs pending = new PendingInputs(2);
        for (String entity : List.of("e1", "e2", "e3", "e4", "e5")) {
            pending.add(entity, new EntityState(), null, null);
        }

        List<List<PendingInputs.Waiting>> batches = pending.drain();

        assertThat(batches).extracting(b -> b.stream().map(PendingInputs.Waiting::entity).toList())
                .containsExactly(List.of("e1", "e2"), List.of("e3", "e4"), List.of("e5"));
        assertThat(pending.isEmpty()).isTrue();
        assertThat(pending.drain()).isEmpty();
    }

    @Test
    void aWaitingEntityKeepsItsDecodedStateUntilRemoved() {
        PendingInputs pending = new PendingInputs(8);
        EntityState state = new EntityState();
        pending.add("e1", state, null, null);

        assertThat(pending.get("e1")).isSameAs(state);
        pending.remove("e1");
        assertThat(pending.get("e1")).isNull();
        assertThat(pending.size()).isZero();
    }
}
