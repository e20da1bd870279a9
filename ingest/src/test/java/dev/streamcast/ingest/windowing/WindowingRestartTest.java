package dev.streamcast.ingest.windowing;

import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.records.SensorReading;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.ingest.IngestSettings;
import dev.streamcast.ingest.TestSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Closing windows writes no entity's state; the stores say which windows are out, and an entity's
 * state read back is caught up on that. A restart (a new processor on the stores as committed: built
 * alone, they commit each change at once) at any record, in the middle of a check or after one, then
 * emits exactly the vectors of a run without a restart, each window once, in order, with the same values.
 */
class WindowingRestartTest {

    private static final long T0 = System.currentTimeMillis() / 60_000L * 60_000L - 3_600_000L;
    private static final long MIN = 60_000L;
    private static final long SEC = 1_000L;

    /** An entity's reading: entity, time, temp. */
    private record Reading(String entity, long ts, double temp) {
    }

    /** Five entities over two windows, a record that closes both for all (in slices of two), more records, a later close. */
    private static final List<Reading> READINGS = List.of(
            new Reading("e5", T0 + SEC, 50), new Reading("e3", T0 + SEC, 30), new Reading("e1", T0 + 2 * SEC, 10),
            new Reading("e4", T0 + 3 * SEC, 40), new Reading("e2", T0 + 4 * SEC, 20),
            new Reading("e1", T0 + MIN + SEC, 11), new Reading("e4", T0 + MIN + 2 * SEC, 41), new Reading("e5", T0 + MIN + 3 * SEC, 51),
            new Reading("e2", T0 + 3 * MIN, 21),                  // closes [0, 1 min) and [1, 2 min): the check's first slice
            new Reading("e4", T0 + 3 * MIN + SEC, 42),            // the second slice
            new Reading("e1", T0 + 3 * MIN + 2 * SEC, 12),        // the third
            new Reading("e3", T0 + 3 * MIN + 3 * SEC, 31),
            new Reading("e5", T0 + 3 * MIN + 4 * SEC, 52),
            new Reading("e2", T0 + 5 * MIN, 22),                  // closes [2, 3 min) and [3, 4 min)
            new Reading("e1", T0 + 5 * MIN + SEC, 13),
            new Reading("e3", T0 + 5 * MIN + 2 * SEC, 32),
            new Reading("e4", T0 + 5 * MIN + 3 * SEC, 43),
            new Reading("e5", T0 + 7 * MIN, 53),                  // closes [4, 5 min) and [5, 6 min)
            new Reading("e1", T0 + 7 * MIN + SEC, 14),
            new Reading("e3", T0 + 7 * MIN + 2 * SEC, 33));

    @Test
    void aRestartAtAnyRecordEmitsExactlyTheVectorsOfARunWithoutOne() {
        List<String> uninterrupted = run(Set.of());
        assertThat(uninterrupted).as("the windows each entity has by 6 min: its first window on, gaps included")
                .hasSize(5 * 6);
        for (String entity : List.of("e1", "e2", "e3", "e4", "e5")) {
            List<Long> starts = uninterrupted.stream().filter(v -> v.startsWith(entity + " ")).map(v -> Long.parseLong(v.split(" ")[1]))
                    .toList();
            assertThat(starts).as(entity).containsExactly(T0, T0 + MIN, T0 + 2 * MIN, T0 + 3 * MIN, T0 + 4 * MIN, T0 + 5 * MIN);
        }
        for (int restartAfter = 0; restartAfter < READINGS.size(); restartAfter++) {
            assertThat(run(Set.of(restartAfter))).as("restarted after reading %d", restartAfter)
                    .containsExactlyElementsOf(uninterrupted);
        }
        Set<Integer> everywhere = new HashSet<>();
        for (int i = 0; i < READINGS.size(); i++) {
            everywhere.add(i);
        }
        assertThat(run(everywhere)).as("restarted after every reading").containsExactlyElementsOf(uninterrupted);
    }

    @Test
    void aCloseWritesTheChecksProgressNotTheEntitiesItEmitted() {
        TaskStores stores = new TaskStores();
        Instance instance = new Instance(stores);
        for (Reading r : READINGS.subList(0, 8)) {
            instance.process(r);
        }
        Map<String, byte[]> before = new HashMap<>();
        for (String entity : List.of("e1", "e3", "e4", "e5")) {
            before.put(entity, stores.windows.get(entity));
        }
        instance.process(READINGS.get(8)); // e2's record closes two windows of every entity; the first slice reads e1, e2
        assertThat(instance.vectors).containsExactly("e1 " + T0 + " 10.0", "e1 " + (T0 + MIN) + " 11.0",
                "e2 " + T0 + " 20.0", "e2 " + (T0 + MIN) + " 20.0");
        assertThat(stores.windows.get("e1")).as("e1's state as before the close").isEqualTo(before.get("e1"));
        assertThat(stores.clock.get(WindowingProcessor.CHECK_PREFIX + "e2")).as("the check's time, read up to e2")
                .isEqualTo(T0 + 3 * MIN);

        instance.process(READINGS.get(9)); // e4's record: the next slice reads e3, e4
        assertThat(stores.windows.get("e3")).isEqualTo(before.get("e3"));
        assertThat(stores.clock.get(WindowingProcessor.CHECK_PREFIX + "e2")).isNull();
        assertThat(stores.clock.get(WindowingProcessor.CHECK_PREFIX + "e4")).isEqualTo(T0 + 3 * MIN);
        instance.process(READINGS.get(10)); // the last slice reads e5: the check is done
        assertThat(stores.windows.get("e5")).isEqualTo(before.get("e5"));
        assertThat(stores.clock.get(WindowingProcessor.CHECK_PREFIX + "e4")).isNull();
        assertThat(stores.clock.get(WindowingProcessor.CLOSED_THROUGH_KEY)).isEqualTo(T0 + 3 * MIN);
    }

    /** The vectors of a run over {@link #READINGS}, restarted after the readings at the given indexes: "entity start temp.mean". */
    private static List<String> run(Set<Integer> restartAfter) {
        TaskStores stores = new TaskStores();
        List<String> vectors = new ArrayList<>();
        Instance instance = new Instance(stores);
        for (int i = 0; i < READINGS.size(); i++) {
            instance.process(READINGS.get(i));
            if (restartAfter.contains(i)) {
                vectors.addAll(instance.vectors);
                instance = new Instance(stores);
            }
        }
        vectors.addAll(instance.vectors);
        return vectors;
    }

    /** The task's two stores, kept across restarts as a changelog restores them. */
    private static final class TaskStores {
        final KeyValueStore<String, byte[]> windows = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(
                TopologyProducer.WINDOWS_STORE), Serdes.String(), Serdes.ByteArray()).withLoggingDisabled().build();
        final KeyValueStore<String, Long> clock = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(
                TopologyProducer.CLOCK_STORE), Serdes.String(), Serdes.Long()).withLoggingDisabled().build();
        private boolean initialised;
    }

    /** One processor's life on the stores: its vectors as "entity start temp.mean". */
    private static final class Instance {
        final List<String> vectors = new ArrayList<>();
        private final WindowingProcessor processor;
        private final MockProcessorContext<byte[], byte[]> context = new MockProcessorContext<>();
        private final FeatureLayout layout;
        private long offset;

        Instance(TaskStores stores) {
            TestSettings s = new TestSettings();
            s.closeSlice = 2;
            s.wallClockAdvance = false;
            IngestSettings settings = s.build();
            layout = new FeatureLayout(settings);
            processor = new WindowingProcessor(settings, layout, new IngestMetrics(new SimpleMeterRegistry()));
            if (!stores.initialised) {
                stores.windows.init(context.getStateStoreContext(), stores.windows);
                stores.clock.init(context.getStateStoreContext(), stores.clock);
                stores.initialised = true;
            }
            context.addStateStore(stores.windows);
            context.addStateStore(stores.clock);
            context.setCurrentSystemTimeMs(T0);
            processor.init(context);
        }

        void process(Reading r) {
            context.setCurrentSystemTimeMs(r.ts());
            context.setRecordMetadata(Topics.SENSOR_READINGS.name(), 0, offset++);
            processor.process(new Record<>(r.entity().getBytes(StandardCharsets.UTF_8),
                    Codecs.SENSOR_READING.encode(SensorReading.of(r.ts(), "temp", r.temp())), r.ts()));
            for (MockProcessorContext.CapturedForward<? extends byte[], ? extends byte[]> f : context.forwarded(TopologyProducer.FEATURES_SINK)) {
                FeatureVector v = Codecs.FEATURE_VECTOR.decode(f.record().value()).value();
                vectors.add(new String(f.record().key(), StandardCharsets.UTF_8) + " " + v.windowStart() + " "
                        + v.values()[layout.spec().indexOf("temp.mean")]);
            }
            assertThat(context.forwarded(TopologyProducer.DLQ_SINK)).isEmpty();
            context.resetForwards();
            assertThat(vectors).doesNotHaveDuplicates();
        }
    }
}
