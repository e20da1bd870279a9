package dev.streamcast.forecaster.serving;

import dev.streamcast.contracts.records.Forecast;
import dev.streamcast.forecaster.TestStream;
import dev.streamcast.trainer.data.Mode;
import dev.streamcast.trainer.testing.TestBundles;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Instances agree across a hot swap: state that moves in a rebalance from an instance that already
 * serves the alias's new version to one that has not loaded it yet is not stepped by the older
 * version. Two topologies stand for the two instances; copying the entity store from one to the
 * other stands for the changelog restore after the rebalance.
 */
class SwapAgreementTest {

    static final int BEFORE = 10;

    @TempDir
    static Path bundles;

    @BeforeAll
    static void writeBundles() throws Exception {
        TestStream.bundle(bundles, "agree", 1, "gru", Mode.M);
        TestStream.bundle(bundles, "agree", 2, "lstm", Mode.M);
        TestBundles.alias(bundles, "agree", "champion", 1);
    }

    static FaultsTest.Run serving(long version) {
        return new FaultsTest.Run(bundles, "agree", true, version);
    }

    /** The entity states of the first instance, which swapped to version 2 before the rebalance. */
    static List<KeyValue<String, byte[]>> builtWithTheNewVersion(FaultsTest.Run first) {
        first.steps(0, BEFORE, TestStream::vector);
        List<KeyValue<String, byte[]>> states = new java.util.ArrayList<>();
        KeyValueStore<String, byte[]> store = first.driver.getKeyValueStore(ForecastTopology.STATE_STORE_PREFIX + "served");
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            all.forEachRemaining(states::add);
        }
        return states;
    }

    static void restore(FaultsTest.Run second, List<KeyValue<String, byte[]>> states) {
        KeyValueStore<String, byte[]> store = second.driver.getKeyValueStore(ForecastTopology.STATE_STORE_PREFIX + "served");
        states.forEach(kv -> store.put(kv.key, kv.value));
    }

    static Forecast last(FaultsTest.Run run, int e) {
        List<Forecast> forecasts = run.byEntity.get("e" + e);
        return forecasts.get(forecasts.size() - 1);
    }

    @Test
    void stateANewerVersionBuiltWaitsForItToLoadAndThenStepsOnExactlyAsOnTheInstanceItCameFrom() {
        try (FaultsTest.Run first = serving(2); FaultsTest.Run second = serving(1)) {
            restore(second, builtWithTheNewVersion(first));
            first.steps(BEFORE, BEFORE + 1, TestStream::vector); // what the first instance would have forecast next

            second.steps(BEFORE, BEFORE + 1, TestStream::vector);
            assertThat(second.byEntity).as("not stepped by version 1").isEmpty();
            assertThat(second.meters.find("forecaster_newer_model_waits").counter().count()).isEqualTo(FaultsTest.ENTITIES);

            assertThat(second.slot.load(2, null)).isTrue(); // the watcher loads the alias's new version
            second.flush();

            for (int e = 0; e < FaultsTest.ENTITIES; e++) {
                assertThat(last(second, e).model()).isEqualTo("agree@2");
                assertThat(last(second, e)).as("entity %d", e).isEqualTo(last(first, e));
            }
            assertThat(second.counter("forecaster_stepped_by_older_model", "slot", "served")).isZero();
        }
    }

    @Test
    void afterARollbackTheStateIsSteppedByTheOlderVersionAtOnce() {
        try (FaultsTest.Run first = serving(2); FaultsTest.Run second = serving(1)) {
            restore(second, builtWithTheNewVersion(first));
            second.slot.noteAlias(1, true); // a watcher that read model-events to the end: the alias was moved back to 1

            second.steps(BEFORE, BEFORE + 1, TestStream::vector);

            for (int e = 0; e < FaultsTest.ENTITIES; e++) {
                assertThat(last(second, e).model()).isEqualTo("agree@1");
                assertThat((last(second, e).origin() - TestStream.START) / TestStream.STEP).isEqualTo(BEFORE);
            }
            assertThat(second.meters.find("forecaster_newer_model_waits").counter().count()).as("no entity waited").isZero();
        }
    }

    @Test
    void theEntitysNextInputEndsTheWaitSoItsInputsStayInOrderAndNoneIsLost() {
        try (FaultsTest.Run first = serving(2); FaultsTest.Run second = serving(1)) {
            restore(second, builtWithTheNewVersion(first));
            second.steps(BEFORE, BEFORE + 1, TestStream::vector);
            assertThat(second.byEntity).isEmpty();

            second.steps(BEFORE + 1, BEFORE + 2, TestStream::vector);

            for (int e = 0; e < FaultsTest.ENTITIES; e++) {
                assertThat(second.origins(e)).isEqualTo(List.of((long) BEFORE, (long) BEFORE + 1));
                assertThat(last(second, e).model()).isEqualTo("agree@1");
            }
            assertThat(second.counter("forecaster_stepped_by_older_model", "slot", "served")).isEqualTo(FaultsTest.ENTITIES);
            assertThat(second.refused).isEmpty();
        }
    }
}
