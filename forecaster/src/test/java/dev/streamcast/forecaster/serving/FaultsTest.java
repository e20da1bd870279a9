package dev.streamcast.forecaster.serving;

import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.records.Forecast;
import dev.streamcast.contracts.topics.DlqHeaders;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.forecaster.ForecasterSettings;
import dev.streamcast.forecaster.TestSettings;
import dev.streamcast.forecaster.TestStream;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.model.BrokenBundles;
import dev.streamcast.forecaster.model.DirectoryBundleSource;
import dev.streamcast.forecaster.model.ModelLoader;
import dev.streamcast.forecaster.model.ModelSlot;
import dev.streamcast.trainer.data.Mode;
import dev.streamcast.trainer.testing.TestBundles;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Faults that used to stop the forecaster or lose input, on TopologyTestDriver with real bundles in
 * ONNX Runtime (some made to fail at run time, {@link BrokenBundles}): each refused input goes to the
 * DLQ with its reason and position, is counted, and the stream goes on for everything else.
 */
class FaultsTest {

    static final int ENTITIES = 4;
    static final int STEPS = 14;

    @TempDir
    static Path bundles;

    @BeforeAll
    static void writeBundles() throws Exception {
        TestStream.bundle(bundles, "gru", 1, "gru", Mode.M);
        TestBundles.alias(bundles, "gru", "champion", 1);
        TestStream.bundle(bundles, "fragile", 1, "gru", Mode.M); // fails on a huge input
        BrokenBundles.failAbove(bundles.resolve("fragile/1"), 1e6f);
        TestBundles.alias(bundles, "fragile", "champion", 1);
        TestStream.bundle(bundles, "linear", 1, "dlinear", Mode.S);
        TestBundles.alias(bundles, "linear", "champion", 1);
        TestStream.bundle(bundles, "swapped", 1, "gru", Mode.M);
        TestStream.bundle(bundles, "swapped", 2, "gru", Mode.M); // fails every step
        BrokenBundles.failAbove(bundles.resolve("swapped/2"), -1e30f);
        TestBundles.alias(bundles, "swapped", "champion", 1);
    }

    /** The forecaster's topology on one model, fed vector by vector. */
    static final class Run implements AutoCloseable {
        final SimpleMeterRegistry meters = new SimpleMeterRegistry();
        final ModelSlot slot;
        final TopologyTestDriver driver;
        final TestInputTopic<String, byte[]> specs;
        final TestInputTopic<byte[], byte[]> features;
        final TestOutputTopic<byte[], byte[]> forecasts;
        final TestOutputTopic<byte[], byte[]> dlq;
        final Map<String, List<Forecast>> byEntity = new HashMap<>();
        final List<TestRecord<byte[], byte[]>> refused = new ArrayList<>();

        Run(String model, boolean withSpec) {
            this(bundles, model, withSpec, -1);
        }

        /** Serving {@code version} (-1: what the alias names) of the bundles in {@code root}. */
        Run(Path root, String model, boolean withSpec, long version) {
            ForecasterSettings settings = TestSettings.of(root, model, 64, true);
            ForecasterMetrics metrics = new ForecasterMetrics(meters);
            slot = new ModelSlot("served", model, "champion", Topics.FORECASTS.name(), new DirectoryBundleSource(root),
                    new ModelLoader(ModelLoader.Provider.CPU, 0, 1), metrics);
            assertThat(version < 0 ? slot.loadFromAlias() : slot.load(version, null)).as("%s", slot.problem()).isTrue();
            slot.acquire();
            Properties props = new Properties();
            props.put(StreamsConfig.APPLICATION_ID_CONFIG, "faults-test");
            props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
            driver = new TopologyTestDriver(ForecastTopology.build(settings, List.of(slot), metrics), props,
                    Instant.ofEpochMilli(TestStream.START));
            specs = driver.createInputTopic(Topics.FEATURE_SPECS.name(), new StringSerializer(), new ByteArraySerializer());
            if (withSpec) {
                spec(TestStream.SPEC);
            }
            features = driver.createInputTopic(Topics.FEATURES.name(), new ByteArraySerializer(), new ByteArraySerializer());
            forecasts = driver.createOutputTopic(Topics.FORECASTS.name(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            dlq = driver.createOutputTopic(Topics.FORECASTER_DLQ.name(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }

        void spec(FeatureSpec spec) {
            specs.pipeInput(spec.id(), Codecs.FEATURE_SPEC.encode(spec));
        }

        void pipe(int e, FeatureVector v) {
            features.pipeInput(("e" + e).getBytes(StandardCharsets.UTF_8), Codecs.FEATURE_VECTOR.encode(v), v.windowEnd());
        }

        /**
         * Steps [from, to) of every entity, each step flushed as one batch; returns
         * {@code forecaster_stale_entities} after each step.
         */
        List<Double> steps(int from, int to, java.util.function.BiFunction<Integer, Integer, FeatureVector> vector) {
            List<Double> stale = new ArrayList<>();
            for (int s = from; s < to; s++) {
                for (int e = 0; e < ENTITIES; e++) {
                    pipe(e, vector.apply(e, s));
                }
                flush();
                stale.add(gauge("forecaster_stale_entities"));
            }
            return stale;
        }

        double gauge(String name) {
            return meters.find(name).tag("slot", "served").gauge().value();
        }

        void flush() {
            driver.advanceWallClockTime(Duration.ofMillis(100));
            for (TestRecord<byte[], byte[]> r : forecasts.readRecordsToList()) {
                byEntity.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                        .add(Codecs.FORECAST.decode(r.value()).value());
            }
            refused.addAll(dlq.readRecordsToList());
        }

        /** Forecast origins of entity e, as step numbers. */
        List<Long> origins(int e) {
            return byEntity.getOrDefault("e" + e, List.of()).stream().map(f -> (f.origin() - TestStream.START) / TestStream.STEP)
                    .toList();
        }

        double counter(String name, String tag, String value) {
            var counter = meters.find(name).tag(tag, value).counter();
            return counter == null ? 0 : counter.count();
        }

        @Override
        public void close() {
            driver.close();
            slot.close();
        }
    }

    static FeatureVector huge(int e, int s) {
        return withValue(e, s, 1e9);
    }

    /** A finite double that is infinite as the model's float input. */
    static FeatureVector beyondFloat(int e, int s) {
        return withValue(e, s, 1e300);
    }

    static FeatureVector withValue(int e, int s, double value) {
        FeatureVector v = TestStream.vector(e, s);
        double[] values = v.values().clone();
        values[1] = value;
        return new FeatureVector(v.specId(), v.windowStart(), v.windowEnd(), values, v.observed());
    }

    /** {@code count} times {@code value}. */
    static List<Double> times(int count, double value) {
        return java.util.Collections.nCopies(count, value);
    }

    static List<Double> concat(List<Double> first, List<Double> second) {
        List<Double> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    static List<Long> range(long from, long to) {
        List<Long> steps = new ArrayList<>();
        for (long s = from; s < to; s++) {
            steps.add(s);
        }
        return steps;
    }

    static String header(TestRecord<byte[], byte[]> r, String name) {
        return DlqHeaders.read(r.headers(), name);
    }

    @Test
    void anInputTheModelFailsOnGoesToTheDlqWithItsPositionAndEveryOtherEntityAndStepGoesOn() {
        try (Run run = new Run("fragile", true)) {
            run.steps(0, STEPS, (e, s) -> e == 1 && s == 9 ? huge(e, s) : TestStream.vector(e, s));

            int first = TestStream.LOOKBACK - 1;
            for (int e = 0; e < ENTITIES; e++) {
                List<Long> expected = range(first, STEPS);
                if (e == 1) {
                    expected.remove(Long.valueOf(9)); // its state is as before the failed step, which the next one follows
                }
                assertThat(run.origins(e)).as("entity %d", e).isEqualTo(expected);
            }
            assertThat(run.refused).singleElement().satisfies(r -> {
                assertThat(header(r, DlqHeaders.REASON)).isEqualTo("MODEL_ERROR");
                assertThat(header(r, DlqHeaders.DETAIL)).contains("served:").contains("fragile@1").contains("out of");
                assertThat(header(r, DlqHeaders.SOURCE_TOPIC)).isEqualTo(Topics.FEATURES.name());
                assertThat(header(r, DlqHeaders.SOURCE_OFFSET)).isEqualTo(String.valueOf(9 * ENTITIES + 1));
                assertThat(header(r, DlqHeaders.SOURCE_TIMESTAMP)).isEqualTo(String.valueOf(huge(1, 9).windowEnd()));
                assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("e1");
                assertThat(Codecs.FEATURE_VECTOR.decode(r.value()).value()).as("the original vector").isEqualTo(huge(1, 9));
            });
            assertThat(run.counter("forecaster_refused", "reason", "MODEL_ERROR")).isEqualTo(1);
            assertThat(run.slot.current().ref()).as("a model that worked before keeps serving").isEqualTo("fragile@1");
        }
    }

    @Test
    void anEntityWhoseInputsKeepBeingRefusedIsStaleFromItsThirdAndLeavesTheGaugeWhenItForecastsAgain() {
        try (Run run = new Run("fragile", true)) {
            List<Double> stale = run.steps(0, 14, (e, s) -> e == 1 && s >= 10 && s <= 12 ? huge(e, s) : TestStream.vector(e, s));

            assertThat(stale).as("no entity is stale while warming up or forecasting; e1 from its third refused input until"
                    + " its next forecast").isEqualTo(concat(times(12, 0.0), List.of(1.0, 0.0)));
            assertThat(run.origins(1)).containsSubsequence(9L, 13L).doesNotContain(10L, 11L, 12L);
            assertThat(run.counter("forecaster_refused", "reason", "MODEL_ERROR")).isEqualTo(3);
        }
    }

    @Test
    void anEntityInItsFirstWarmUpIsStaleOnlyOnceItHadStaleStepsInputsMoreThanTheModelNeedsBeforeItsFirstForecast() {
        try (Run run = new Run("fragile", true)) {
            // e3's first 12 inputs are all refused; the model forecasts from an entity's 8th input (LOOKBACK)
            List<Double> stale = run.steps(0, 22, (e, s) -> e == 3 && s < 12 ? huge(e, s) : TestStream.vector(e, s));

            int due = TestStream.LOOKBACK - 1; // inputs the model needs before its first forecast
            int staleFrom = due + 3;           // forecaster.alerts.stale-steps more: its 10th input, step 9
            int forecastsAt = 12 + TestStream.LOOKBACK - 1; // its 8th accepted input
            assertThat(stale).isEqualTo(concat(concat(times(staleFrom - 1, 0.0), times(forecastsAt - staleFrom + 1, 1.0)),
                    times(22 - forecastsAt, 0.0)));
            assertThat(run.origins(3)).isEqualTo(range(forecastsAt, 22));
            assertThat(run.origins(0)).isEqualTo(range(due, 22));
        }
    }

    @Test
    void aForecastWithNanOrInfinityIsNeverWrittenAndTheEntityStartsOverAndWarmsUpAgain() {
        try (Run run = new Run("linear", true)) {
            List<Double> stale = run.steps(0, STEPS + 10, (e, s) -> e == 2 && s == 9 ? beyondFloat(e, s) : TestStream.vector(e, s));
            List<FeatureVector> bad = new ArrayList<>();
            for (TestRecord<byte[], byte[]> r : run.refused) {
                assertThat(header(r, DlqHeaders.REASON)).isEqualTo("NON_FINITE_OUTPUT");
                bad.add(Codecs.FEATURE_VECTOR.decode(r.value()).value());
            }
            assertThat(bad).as("only the input that gave NaN or infinity").containsExactly(beyondFloat(2, 9));
            for (List<Forecast> forecasts : run.byEntity.values()) {
                for (Forecast f : forecasts) {
                    f.steps().forEach(step -> step.point().values().forEach(v -> assertThat(v).isFinite()));
                }
            }
            int first = TestStream.LOOKBACK - 1;
            List<Long> expected = range(first, 9);
            expected.addAll(range(9 + TestStream.LOOKBACK, STEPS + 10)); // a new entity from step 10 on
            assertThat(run.origins(2)).isEqualTo(expected);
            assertThat(run.origins(3)).isEqualTo(range(first, STEPS + 10));
            assertThat(run.counter("forecaster_refused", "reason", "NON_FINITE_OUTPUT")).isEqualTo(1);
            // no forecast from step 9 (refused) through its warm-up again: stale from its third such input to its next forecast
            int again = 9 + TestStream.LOOKBACK;
            assertThat(stale).isEqualTo(concat(concat(times(11, 0.0), times(again - 11, 1.0)), times(STEPS + 10 - again, 0.0)));
        }
    }

    @Test
    void aSwappedInModelWhoseFirstBatchesAllFailIsTakenOutAndThePreviousOneServesAgain() {
        try (Run run = new Run("swapped", true)) {
            run.steps(0, 9, TestStream::vector);
            assertThat(run.slot.load(2, null)).isTrue();
            run.steps(9, STEPS, TestStream::vector);

            assertThat(run.refused).as("the inputs of the failed model's three batches").hasSize(3 * ENTITIES)
                    .allSatisfy(r -> assertThat(header(r, DlqHeaders.REASON)).isEqualTo("MODEL_ERROR"));
            assertThat(run.slot.current().ref()).isEqualTo("swapped@1");
            assertThat(run.slot.lastFailure()).contains("went back to swapped@1").contains("swapped@2");
            assertThat(run.slot.problem()).as("serving, so ready").isNull();
            assertThat(run.slot.load(2, null)).as("not loaded again").isFalse();
            for (int e = 0; e < ENTITIES; e++) {
                List<Forecast> forecasts = run.byEntity.get("e" + e);
                Forecast last = forecasts.get(forecasts.size() - 1);
                assertThat(last.model()).isEqualTo("swapped@1");
                assertThat((last.origin() - TestStream.START) / TestStream.STEP).isEqualTo(STEPS - 1);
            }
            assertThat(run.counter("forecaster_model_rejections", "slot", "served")).isEqualTo(1);
            assertThat(run.gauge("forecaster_model_loaded")).as("the previous model serves").isEqualTo(1.0);
        }
    }

    @Test
    void aModelThatFailsEveryStepWithNoPreviousOneToGoBackToCountsAsNoModelLoaded() {
        try (Run run = new Run(bundles, "swapped", true, 2)) {
            assertThat(run.gauge("forecaster_model_loaded")).isEqualTo(1.0);

            List<Double> stale = run.steps(0, 3, TestStream::vector); // its first three batches all fail

            assertThat(run.slot.problem()).contains("no previous model to go back to");
            assertThat(run.gauge("forecaster_model_loaded")).isZero();
            assertThat(stale).as("still in their first warm-up").containsOnly(0.0);

            assertThat(run.slot.load(1, null)).isTrue();
            run.steps(3, 4, TestStream::vector);
            assertThat(run.slot.current().ref()).isEqualTo("swapped@1");
            assertThat(run.gauge("forecaster_model_loaded")).isEqualTo(1.0);
        }
    }

    @Test
    void aVectorThatArrivesBeforeItsSpecWaitsForItInOrderAndOneWhoseSpecNeverComesGoesToTheDlq() {
        FeatureSpec other = FeatureSpec.of(TestStream.STEP, List.of("oil_c.mean", "load_mw.mean", "voltage_kv.mean", "extra.mean"));
        try (Run run = new Run("gru", false)) {
            run.steps(0, 3, TestStream::vector);
            assertThat(run.refused).isEmpty();
            assertThat(run.byEntity).isEmpty();
            assertThat(run.meters.find("forecaster_held_vectors").gauge().value()).isEqualTo(3 * ENTITIES);

            run.spec(TestStream.SPEC);
            run.steps(3, STEPS, TestStream::vector);
            for (int e = 0; e < ENTITIES; e++) {
                assertThat(run.origins(e)).as("every step, in order").isEqualTo(range(TestStream.LOOKBACK - 1, STEPS));
            }
            assertThat(run.refused).isEmpty();

            double[] values = {1, 2, 3, 4};
            run.pipe(0, new FeatureVector(other.id(), TestStream.START + STEPS * TestStream.STEP,
                    TestStream.START + (STEPS + 1) * TestStream.STEP, values, new boolean[]{true, true, true, true}));
            run.driver.advanceWallClockTime(Duration.ofSeconds(1));
            run.flush();
            assertThat(run.refused).as("still waiting").isEmpty();
            run.driver.advanceWallClockTime(Duration.ofSeconds(2));
            run.flush();
            assertThat(run.refused).singleElement().satisfies(r -> {
                assertThat(header(r, DlqHeaders.REASON)).isEqualTo("UNKNOWN_SPEC");
                assertThat(header(r, DlqHeaders.DETAIL)).contains("after waiting PT2S").contains(other.id());
                assertThat(header(r, DlqHeaders.SOURCE_OFFSET)).isEqualTo(String.valueOf(STEPS * ENTITIES));
            });
            assertThat(run.meters.find("forecaster_held_vectors").gauge().value()).isZero();
        }
    }

    @Test
    void anEntityWhoseStateIsCorruptIsDiscardedAndStartsOverAndTheStreamGoesOn() {
        try (Run run = new Run("gru", true)) {
            run.steps(0, 5, TestStream::vector);
            KeyValueStore<String, byte[]> store = run.driver.getKeyValueStore(ForecastTopology.STATE_STORE_PREFIX + "served");
            byte[] state = store.get("e3");
            store.put("e3", java.util.Arrays.copyOf(state, 20)); // right version, cut short

            run.steps(5, STEPS, TestStream::vector);

            assertThat(run.refused).isEmpty();
            assertThat(run.origins(0)).isEqualTo(range(TestStream.LOOKBACK - 1, STEPS));
            assertThat(run.origins(3)).as("a new entity from step 5").isEqualTo(range(5 + TestStream.LOOKBACK - 1, STEPS));
            assertThat(run.counter("forecaster_state_discarded", "slot", "served")).isEqualTo(1);
        }
    }
}
