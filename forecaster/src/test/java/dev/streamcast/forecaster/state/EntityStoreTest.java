package dev.streamcast.forecaster.state;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EntityStoreTest {

    private final StoreFixture fixture = new StoreFixture();
    private final EntityStore store = new EntityStore("served", fixture.kv, fixture.metrics);

    @Test
    void theGaugesFollowWhatTheStoreHolds() {
        store.open();
        EntityState state = new EntityState();
        store.put("e1", state);
        store.put("e2", new EntityState());
        state.await(new EntityState.Pending("spec", 0, 60_000, new float[]{1, 2, 3}));
        store.put("e1", state);

        long bytes = fixture.kv.get("e1").length + fixture.kv.get("e2").length;
        assertThat(fixture.gauge("forecaster_entities")).isEqualTo(2.0);
        assertThat(fixture.gauge("forecaster_state_bytes")).isEqualTo((double) bytes);

        store.delete("e2", fixture.kv.get("e2").length);
        assertThat(fixture.gauge("forecaster_entities")).isEqualTo(1.0);
        assertThat(fixture.gauge("forecaster_state_bytes")).isEqualTo((double) fixture.kv.get("e1").length);
    }

    @Test
    void openingCountsTheStoreAndFindsTheInputsThatWereWaiting() {
        EntityState waiting = new EntityState();
        waiting.await(new EntityState.Pending("spec", 0, 60_000, new float[]{1}));
        fixture.kv.put("waiting", EntityStateFormat.encode(waiting));
        fixture.kv.put("stepped", EntityStateFormat.encode(new EntityState()));
        fixture.kv.put("newer", StoreFixture.newerVersion());

        var found = store.open();

        assertThat(found).containsOnlyKeys("waiting");
        assertThat(found.get("waiting").pending().windowEnd()).isEqualTo(60_000);
        assertThat(fixture.gauge("forecaster_entities")).as("unreadable state is still there until discarded").isEqualTo(3.0);
    }

    @Test
    void unreadableStateIsDiscardedCountedAndTheEntityStartsAsANewOne() {
        fixture.kv.put("e1", StoreFixture.newerVersion());
        store.open();

        EntityState state = store.load("e1");

        assertThat(state.modelRef()).isEmpty();
        assertThat(state.steps()).isZero();
        assertThat(state.pending()).isNull();
        assertThat(fixture.kv.get("e1")).isNull();
        assertThat(fixture.discarded()).isEqualTo(1.0);
        assertThat(fixture.gauge("forecaster_entities")).isZero();
        assertThat(fixture.gauge("forecaster_state_bytes")).isZero();

        store.put("e1", state);
        assertThat(fixture.gauge("forecaster_entities")).isEqualTo(1.0);
    }

    @Test
    void closingTheTaskTakesItsEntitiesOutOfTheGaugesSoTheyCountOnceWhenItComesBack() {
        fixture.kv.put("e1", EntityStateFormat.encode(new EntityState()));
        store.open();
        store.put("e2", new EntityState());
        assertThat(fixture.gauge("forecaster_entities")).isEqualTo(2.0);

        store.close(); // the task moves to another instance
        assertThat(fixture.gauge("forecaster_entities")).isZero();
        assertThat(fixture.gauge("forecaster_state_bytes")).isZero();

        new EntityStore("served", fixture.kv, fixture.metrics).open(); // and comes back
        assertThat(fixture.gauge("forecaster_entities")).isEqualTo(2.0);
        assertThat(fixture.gauge("forecaster_state_bytes"))
                .isEqualTo((double) (fixture.kv.get("e1").length + fixture.kv.get("e2").length));
    }

    @Test
    void aCorruptStateOfTheRightVersionIsDiscardedLikeAnUnreadableOne() throws Exception {
        EntityState state = new EntityState();
        state.await(new EntityState.Pending("spec", 0, 60_000, new float[]{1, 2, 3}));
        byte[] bytes = EntityStateFormat.encode(state);
        fixture.kv.put("e1", java.util.Arrays.copyOf(bytes, bytes.length - 9));
        store.open();

        assertThat(store.load("e1").pending()).isNull();
        assertThat(fixture.kv.get("e1")).isNull();
        assertThat(fixture.discarded()).isEqualTo(1.0);
    }

    @Test
    void anEntityWithoutStateStartsAsANewOne() {
        assertThat(store.load("nobody").steps()).isZero();
        assertThat(fixture.discarded()).isZero();
    }
}
