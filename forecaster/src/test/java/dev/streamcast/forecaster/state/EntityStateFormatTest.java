package dev.streamcast.forecaster.state;

import dev.streamcast.contracts.state.StateFormat;
import dev.streamcast.contracts.state.UnreadableStateException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EntityStateFormatTest {

    /** A state with every part filled: model state, history, a pending input and remembered forecasts. */
    static EntityState full() {
        EntityState s = new EntityState();
        s.startModel("fleet@2", 3);
        s.tensors()[1] = 0.5f;
        s.await(new EntityState.Pending("spec-a", 0, 60_000, new float[]{1, 2}));
        s.completeStep(4);
        s.await(new EntityState.Pending("spec-a", 60_000, 120_000, new float[]{3, 4}));
        s.rememberForecast(0, new float[]{9, 8}, 2);
        return s;
    }

    @Test
    void everyPartOfTheStateReadsBackAsItWasWritten() throws Exception {
        EntityState written = full();

        byte[] bytes = EntityStateFormat.encode(written);
        EntityState read = EntityStateFormat.decode(bytes);

        assertThat(EntityStateFormat.encode(read)).isEqualTo(bytes);
        assertThat(read.modelRef()).isEqualTo("fleet@2");
        assertThat(read.steps()).isEqualTo(1);
        assertThat(read.tensors()).containsExactly(0, 0.5f, 0);
        assertThat(read.pending().values()).containsExactly(3, 4);
        assertThat(read.latestWindowStart()).isEqualTo(60_000);
        assertThat(read.recentInputs(4)).singleElement().satisfies(row -> assertThat(row).containsExactly(1, 2));
        assertThat(read.forecastAt(0)).containsExactly(9, 8);
        assertThat(read.lastInput()).isEqualTo(120_000);
    }

    @Test
    void theTtlScanReadsTheLastInputWithoutDecodingTheRest() throws Exception {
        assertThat(EntityStateFormat.lastInput(EntityStateFormat.encode(full()))).isEqualTo(120_000);
        assertThat(EntityStateFormat.lastInput(EntityStateFormat.encode(new EntityState()))).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void stateIsWrittenInTheVersionedEnvelope() {
        byte[] bytes = EntityStateFormat.encode(new EntityState());

        assertThat(bytes[0]).isEqualTo(StateFormat.MARKER);
        assertThat(StateFormat.versionOf(bytes)).isEqualTo(2);
    }

    @Test
    void stateOfANewerVersionOrFromBeforeTheEnvelopeIsRefusedNeverMisread() {
        byte[] newer = new StateFormat(EntityStateFormat.FORMAT.name(), 3).allocate(64).array();
        byte[] firstFormat = new byte[64];
        firstFormat[0] = 1; // the first format: a leading version byte, no envelope

        for (byte[] bytes : List.of(newer, firstFormat)) {
            assertThatThrownBy(() -> EntityStateFormat.decode(bytes)).isInstanceOf(UnreadableStateException.class)
                    .hasMessageContaining("this release reads version 2");
            assertThatThrownBy(() -> EntityStateFormat.lastInput(bytes)).isInstanceOf(UnreadableStateException.class);
        }
    }
}
