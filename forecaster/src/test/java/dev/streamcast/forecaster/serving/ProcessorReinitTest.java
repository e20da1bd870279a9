package dev.streamcast.forecaster.serving;

import dev.streamcast.contracts.json.Encoding;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.forecaster.TestSettings;
import dev.streamcast.forecaster.TestStream;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.model.ModelSlot;
import dev.streamcast.forecaster.state.EntityPages;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kafka Streams closes a task's processor when it suspends the task and initialises the same
 * instance again when the task resumes (a rebalance that gives it back, a corrupted task revived under
 * exactly-once): the processor then serves with what the new {@code init} built, and nothing of the
 * closed one steps or forecasts twice.
 */
class ProcessorReinitTest {

    @TempDir
    static Path bundles;

    @BeforeAll
    static void writeBundles() throws Exception {
        TestStream.gruChampion(bundles);
    }

    @Test
    void aProcessorInitialisedAgainForecastsAsOneInitialisedOnce() throws Exception {
        ForecasterMetrics metrics = new ForecasterMetrics(new SimpleMeterRegistry());
        try (ModelSlot slot = TestStream.servedGru(bundles, metrics)) {
            List<String> once = forecasts(slot, metrics, false);
            List<String> again = forecasts(slot, metrics, true);

            assertThat(once).hasSize(12 - TestStream.LOOKBACK + 1);
            assertThat(again).as("one forecast per step, as from a processor initialised once").isEqualTo(once);
        }
    }

    /** The forecasts' keys and window ends for 12 steps of one entity, stepped one by one. */
    private static List<String> forecasts(ModelSlot slot, ForecasterMetrics metrics, boolean closedAndInitialisedAgain) {
        ForecastProcessor processor = new ForecastProcessor(TestSettings.of(bundles, "gru", 1, true, Duration.ofDays(7),
                Encoding.JSON), List.of(slot), metrics, ForecastTopology.SPECS_STORE,
                List.of(ForecastTopology.stateStore(slot)), ForecastTopology.HELD_STORE);
        MockProcessorContext<byte[], byte[]> context = new MockProcessorContext<>();
        KeyValueStore<String, byte[]> specs = store(context, ForecastTopology.SPECS_STORE);
        specs.put(TestStream.SPEC.id(), Codecs.FEATURE_SPEC.encode(TestStream.SPEC));
        store(context, ForecastTopology.stateStore(slot));
        store(context, ForecastTopology.HELD_STORE);
        EntityPages pages = EntityPages.builder(1).build();
        add(context, pages);

        processor.init(context);
        if (closedAndInitialisedAgain) {
            processor.close();
            processor.init(context);
        }
        for (int s = 0; s < 12; s++) {
            processor.process(new Record<>("e1".getBytes(StandardCharsets.UTF_8),
                    Codecs.FEATURE_VECTOR.encode(TestStream.vector(1, s)), TestStream.START + (s + 1) * TestStream.STEP));
        }
        assertThat(pages.get("e1").latest(0)).as("the page shows the latest forecast").isNotNull();
        return context.forwarded().stream()
                .filter(f -> f.childName().orElse("").equals(ForecastTopology.sinkName(slot)))
                .map(f -> new String(f.record().key(), StandardCharsets.UTF_8) + "@" + f.record().timestamp())
                .toList();
    }

    private static KeyValueStore<String, byte[]> store(MockProcessorContext<byte[], byte[]> context, String name) {
        KeyValueStore<String, byte[]> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(),
                Serdes.ByteArray()).withLoggingDisabled().build();
        add(context, store);
        return store;
    }

    private static void add(MockProcessorContext<byte[], byte[]> context, StateStore store) {
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
    }
}
