package dev.streamcast.forecaster.state;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EntityStoreTest {

    private final StoreFixture fixture = new StoreFixture();
    private final EntityStore store = new EntityStore("served", fixture.kv, fixture.metrics, 3);

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

        store.delete("e2", fixture.kv.get("e2"));
        assertThat(fixture.gauge("forecaster_entities")).isEqualTo(1.0);
        assertThat(fixture.gauge("forecaster_state_bytes")).isEqualTo((double) fixture.kv.get("e1").length);
    }

    @Test
    void aStateWrittenOrReadIsKeptDecodedUntilDeletedOrPushedOutByNewerOnes() {
        store.open();
        EntityState state = new EntityState();
        state.await(new EntityState.Pending("spec", 0, 60_000, new float[]{1, 2, 3}));
        store.put("e1", state);
        assertThat(store.load("e1")).as("kept decoded: the same object, no lookup").isSameAs(state);

        fixture.kv.put("e0", EntityStateFormat.encode(state)); // written before this task's processor started
        EntityState read = store.load("e0");
        assertThat(read.pending().values()).containsExactly(1, 2, 3);
        assertThat(store.load("e0")).isSameAs(read);

        store.delete("e1", fixture.kv.get("e1"));
        assertThat(store.load("e1").isNew()).as("a deleted state is not served from memory").isTrue();

        for (int i = 0; i < 50_000; i++) { // the bound: the oldest kept state goes first
            store.put("other-" + i, new EntityState());
        }
        EntityState again = store.load("e0");
        assertThat(again).as("decoded afresh from the store").isNotSameAs(read);
        assertThat(again.pending().values()).containsExactly(1, 2, 3);
        assertThat(store.load("other-49999")).isSameAs(store.load("other-49999"));
    }

    @Test
    void aNewEntitysStateIsKeptFromItsFirstLoadWithItsPageAndCountedOnceWritten() {
        store.open();
        EntityState fresh = store.load("e1");
        assertThat(fresh.isNew()).isTrue();
        assertThat(store.decoded("e1")).as("kept: its first input waits in it").isSameAs(fresh);
        assertThat(fixture.kv.get("e1")).as("nothing written yet").isNull();
        assertThat(fixture.gauge("forecaster_entities")).isZero();

        EntityPages pages = new EntityPages(1);
        EntityPages.Page page = fresh.page(pages, "e1");
        assertThat(page).isSameAs(pages.get("e1"));
        assertThat(store.load("e1").page(pages, "e1")).as("found with the state, not looked up again").isSameAs(page);

        store.put("e1", fresh);
        assertThat(fixture.gauge("forecaster_entities")).isEqualTo(1.0);
        assertThat(store.decoded("e1")).isSameAs(fresh);
        assertThat(store.decoded("e2")).as("decoded() reads nothing from the store").isNull();
    }

    @Test
    void aStatePushedOutAndWrittenAgainIsKeptAgain() {
        EntityState state = new EntityState();
        store.put("e1", state);
        for (int i = 0; i < 50_000; i++) {
            store.put("other-" + i, new EntityState());
        }
        assertThat(store.decoded("e1")).isNull();

        store.put("e1", state);
        assertThat(store.decoded("e1")).isSameAs(state);
        EntityState replaced = new EntityState();
        store.put("e1", replaced);
        store.put("e1", state); // the object it replaced is kept again, not taken for kept
        assertThat(store.decoded("e1")).isSameAs(state);
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

        new EntityStore("served", fixture.kv, fixture.metrics, 3).open(); // and comes back
        assertThat(fixture.gauge("forecaster_entities")).isEqualTo(2.0);
        assertThat(fixture.gauge("forecaster_state_bytes"))
                .isEqualTo((double) (fixture.kv.get("e1").length + fixture.kv.get("e2").length));
    }

    @Test
    void anEntityCountsAsStaleFromItsThirdMissedForecastUntilItForecastsAgain() {
        store.open();
        EntityState state = new EntityState();
        state.firstForecastDueAt(2); // its first input warms up, its second is due to forecast
        double[] stale = new double[5];
        for (int input = 0; input < 5; input++) {
            state.dropPending(); // refused: no forecast
            store.put("e1", state);
            stale[input] = fixture.gauge("forecaster_stale_entities");
        }
        assertThat(stale).as("inputs 1 to 5: the first one a warm-up, then three missed forecasts").containsExactly(0, 0, 0, 1, 1);
        assertThat(state.missedForecasts()).isEqualTo(4);

        state.forecastWritten();
        store.put("e1", state);
        assertThat(fixture.gauge("forecaster_stale_entities")).isZero();

        for (int input = 0; input < 3; input++) {
            state.noForecastWritten();
        }
        store.put("e1", state);
        store.put("e2", new EntityState());
        assertThat(fixture.gauge("forecaster_stale_entities")).isEqualTo(1.0);
    }

    @Test
    void theStaleGaugeCountsOnlyTheOpenTasksAndWhatTheirStoresHold() {
        EntityState stale = new EntityState();
        for (int input = 0; input < 3; input++) {
            stale.dropPending();
        }
        fixture.kv.put("stale", EntityStateFormat.encode(stale));
        fixture.kv.put("fresh", EntityStateFormat.encode(new EntityState()));
        store.open();
        assertThat(fixture.gauge("forecaster_stale_entities")).isEqualTo(1.0);

        store.close(); // the task moves to another instance
        assertThat(fixture.gauge("forecaster_stale_entities")).isZero();

        EntityStore back = new EntityStore("served", fixture.kv, fixture.metrics, 3);
        back.open();
        assertThat(fixture.gauge("forecaster_stale_entities")).isEqualTo(1.0);
        back.delete("stale", fixture.kv.get("stale"));
        assertThat(fixture.gauge("forecaster_stale_entities")).isZero();

        EntityStore stricter = new EntityStore("served", fixture.kv, fixture.metrics, 4);
        back.close();
        fixture.kv.put("stale", EntityStateFormat.encode(stale));
        stricter.open();
        assertThat(fixture.gauge("forecaster_stale_entities")).as("3 missed forecasts, stale from 4").isZero();
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
