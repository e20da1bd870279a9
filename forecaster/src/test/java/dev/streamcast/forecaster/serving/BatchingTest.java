package dev.streamcast.forecaster.serving;

import dev.streamcast.trainer.testing.TestBundles;
import dev.streamcast.contracts.json.Codec;
import dev.streamcast.contracts.json.Encoding;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.topics.DlqHeaders;
import dev.streamcast.contracts.records.Forecast;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.forecaster.ForecasterSettings;
import dev.streamcast.forecaster.TestStream;
import dev.streamcast.forecaster.TestSettings;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.model.DirectoryBundleSource;
import dev.streamcast.forecaster.model.ModelLoader;
import dev.streamcast.forecaster.model.ModelSlot;
import dev.streamcast.trainer.data.Mode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
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
import static org.assertj.core.api.Assertions.within;

/**
 * The topology on TopologyTestDriver with real bundles in ONNX Runtime: batches of many
 * entities give exactly the forecasts of one entity at a time, and both equal the offline
 * sequence graph.
 */
class BatchingTest {

    static final int ENTITIES = 6;
    static final int STEPS = 30;

    @TempDir
    static Path bundles;

    @BeforeAll
    static void writeBundles() throws Exception {
        TestStream.bundle(bundles, "gru-m", 1, "gru", Mode.M);
        TestBundles.alias(bundles, "gru-m", "champion", 1);
        TestStream.bundle(bundles, "dlinear-q", 1, "dlinear", Mode.S, 0.1, 0.9);
        TestBundles.alias(bundles, "dlinear-q", "champion", 1);
    }

    /** Every forecast by entity, in order, from a run with batches of at most {@code maxBatch}. */
    static Map<String, List<TestRecord<byte[], byte[]>>> run(String model, int maxBatch) {
        return run(model, maxBatch, Encoding.JSON, List.of());
    }

    /**
     * Every forecast by entity, with {@code encoding} on both topics; {@code refused} receives the
     * DLQ's records, and the run asserts there are none when it is empty.
     */
    static Map<String, List<TestRecord<byte[], byte[]>>> run(String model, int maxBatch, Encoding encoding,
                                                             List<TestRecord<byte[], byte[]>> refused) {
        ForecasterSettings settings = TestSettings.of(bundles, model, maxBatch, true, Duration.ofDays(7), encoding);
        Codec<FeatureVector> vectors = Codecs.featureVectors(encoding);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ForecasterMetrics metrics = new ForecasterMetrics(meters);
        ModelSlot slot = new ModelSlot("served", model, "champion", Topics.FORECASTS.name(), new DirectoryBundleSource(bundles),
                new ModelLoader(ModelLoader.Provider.CPU, 0, 1), metrics);
        assertThat(slot.loadFromAlias()).as("%s", slot.problem()).isTrue();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "batching-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        Map<String, List<TestRecord<byte[], byte[]>>> byEntity = new HashMap<>();
        try (slot; TopologyTestDriver driver = new TopologyTestDriver(ForecastTopology.build(settings, List.of(slot), metrics), props,
                Instant.ofEpochMilli(TestStream.START))) {
            driver.createInputTopic(Topics.FEATURE_SPECS.name(), new StringSerializer(), new ByteArraySerializer())
                    .pipeInput(TestStream.SPEC.id(), Codecs.FEATURE_SPEC.encode(TestStream.SPEC));
            TestInputTopic<byte[], byte[]> features = driver.createInputTopic(Topics.FEATURES.name(), new ByteArraySerializer(),
                    new ByteArraySerializer());
            for (int s = 0; s < STEPS; s++) {
                for (int e = 0; e < ENTITIES; e++) {
                    features.pipeInput(("e" + e).getBytes(StandardCharsets.UTF_8), vectors.encode(TestStream.vector(e, s)),
                            TestStream.START + (s + 1) * TestStream.STEP);
                }
            }
            driver.advanceWallClockTime(Duration.ofSeconds(1));
            TestOutputTopic<byte[], byte[]> forecasts = driver.createOutputTopic(Topics.FORECASTS.name(), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            TestOutputTopic<byte[], byte[]> dlq = driver.createOutputTopic(Topics.FORECASTER_DLQ.name(), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            if (refused instanceof ArrayList<TestRecord<byte[], byte[]>> collect) {
                // one vector in the other encoding, after the stream: refused, and nothing else is
                Codec<FeatureVector> other = Codecs.featureVectors(encoding == Encoding.JSON ? Encoding.BINARY : Encoding.JSON);
                features.pipeInput("e0".getBytes(StandardCharsets.UTF_8), other.encode(TestStream.vector(0, STEPS)),
                        TestStream.START + (STEPS + 1) * TestStream.STEP);
                collect.addAll(dlq.readRecordsToList());
            } else {
                assertThat(dlq.readRecordsToList()).as("refused").isEmpty();
            }
            for (TestRecord<byte[], byte[]> r : forecasts.readRecordsToList()) {
                byEntity.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>()).add(r);
            }
        }
        return byEntity;
    }

    @Test
    void batchedForecastsEqualOneAtATimeExactlyAndEqualTheOfflineSequence() throws Exception {
        Map<String, List<TestRecord<byte[], byte[]>>> single = run("gru-m", 1);
        Map<String, List<TestRecord<byte[], byte[]>>> batched = run("gru-m", 64);

        assertThat(batched.keySet()).hasSize(ENTITIES);
        for (int e = 0; e < ENTITIES; e++) {
            List<TestRecord<byte[], byte[]>> one = single.get("e" + e);
            List<TestRecord<byte[], byte[]>> many = batched.get("e" + e);
            assertThat(many).hasSize(STEPS - TestStream.LOOKBACK + 1).hasSameSizeAs(one);
            double[][] offline = TestStream.offline(bundles.resolve("gru-m/1"), e, STEPS);
            for (int i = 0; i < many.size(); i++) {
                assertThat(many.get(i).value()).as("entity %d forecast %d", e, i).isEqualTo(one.get(i).value());
                Forecast f = Codecs.FORECAST.decode(many.get(i).value()).value();
                int step = TestStream.LOOKBACK - 1 + i;
                assertThat(f.origin()).isEqualTo(TestStream.START + step * TestStream.STEP);
                assertThat(f.model()).isEqualTo("gru-m@1");
                assertThat(f.targets()).containsExactly("load_mw.mean", "oil_c.mean", "voltage_kv.mean");
                for (int h = 0; h < TestStream.HORIZON; h++) {
                    assertThat(f.steps().get(h).ts()).isEqualTo(f.origin() + (h + 1) * TestStream.STEP);
                    for (int k = 0; k < 3; k++) {
                        assertThat(f.steps().get(h).point().get(f.targets().get(k)))
                                .isCloseTo(offline[step][h * 3 + k], within(1e-4));
                    }
                }
            }
        }
    }

    @Test
    void binaryVectorsInGiveBinaryForecastsOutEqualToTheJsonOnesAndAVectorInJsonGoesToTheDlqNamingBoth() {
        Map<String, List<TestRecord<byte[], byte[]>>> json = run("dlinear-q", 16);
        List<TestRecord<byte[], byte[]>> refused = new ArrayList<>();
        Map<String, List<TestRecord<byte[], byte[]>>> binary = run("dlinear-q", 16, Encoding.BINARY, refused);

        assertThat(binary.keySet()).isEqualTo(json.keySet());
        for (String entity : json.keySet()) {
            assertThat(binary.get(entity)).hasSameSizeAs(json.get(entity));
            for (int i = 0; i < json.get(entity).size(); i++) {
                byte[] bytes = binary.get(entity).get(i).value();
                assertThat(Encoding.of(bytes)).isEqualTo(Encoding.BINARY);
                assertThat(Codecs.FORECAST_BINARY.decode(bytes).value())
                        .isEqualTo(Codecs.FORECAST.decode(json.get(entity).get(i).value()).value());
            }
        }
        assertThat(refused).singleElement().satisfies(r -> {
            assertThat(DlqHeaders.read(r.headers(), DlqHeaders.REASON)).isEqualTo("MALFORMED");
            assertThat(DlqHeaders.read(r.headers(), DlqHeaders.DETAIL))
                    .contains("a feature vector in json where this reader expects binary");
            assertThat(Encoding.of(r.value())).as("its original bytes").isEqualTo(Encoding.JSON);
        });
    }

    @Test
    void quantileForecastsCarryTheirLevelsInOriginalUnitsAroundTheMedian() throws Exception {
        List<TestRecord<byte[], byte[]>> forecasts = run("dlinear-q", 16).get("e2");
        double[][] offline = TestStream.offline(bundles.resolve("dlinear-q/1"), 2, STEPS);

        Forecast last = Codecs.FORECAST.decode(forecasts.get(forecasts.size() - 1).value()).value();
        assertThat(last.quantileLevels()).containsExactly(0.1, 0.5, 0.9);
        assertThat(last.targets()).containsExactly("oil_c.mean");
        for (int h = 0; h < TestStream.HORIZON; h++) {
            double point = last.steps().get(h).point().get("oil_c.mean");
            double[] levels = last.steps().get(h).quantiles().get("oil_c.mean");
            assertThat(point).isCloseTo(offline[STEPS - 1][h], within(1e-4));
            assertThat(levels).hasSize(3);
            assertThat(levels[1]).isEqualTo(point);
            assertThat(levels[0]).as("a level of its own, in original units").isNotEqualTo(point).isBetween(point - 20, point + 20);
        }
    }
}
