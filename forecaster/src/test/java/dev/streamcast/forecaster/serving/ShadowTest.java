package dev.streamcast.forecaster.serving;

import dev.streamcast.trainer.testing.TestBundles;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.Forecast;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.forecaster.TestStream;
import dev.streamcast.forecaster.TestSettings;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.model.DirectoryBundleSource;
import dev.streamcast.forecaster.model.ModelLoader;
import dev.streamcast.forecaster.model.ModelSlot;
import dev.streamcast.forecaster.state.EntityPages;
import dev.streamcast.trainer.data.Mode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The shadow slot: the challenger runs on the same inputs with its own state, into forecasts-shadow, with its own error metrics. */
class ShadowTest {

    @TempDir
    Path bundles;

    @Test
    void theChallengerForecastsTheSameInputsIntoTheShadowTopicWithItsOwnErrorMetrics() throws Exception {
        TestStream.bundle(bundles, "fleet", 1, "gru", Mode.M);
        TestStream.bundle(bundles, "fleet", 2, "dlinear", Mode.M);
        Files.writeString(bundles.resolve("fleet/aliases.properties"), "champion=1\nchallenger=2\n");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ForecasterMetrics metrics = new ForecasterMetrics(meters);
        DirectoryBundleSource source = new DirectoryBundleSource(bundles);
        ModelLoader loader = new ModelLoader(ModelLoader.Provider.CPU, 0, 1);
        ModelSlot served = new ModelSlot("served", "fleet", "champion", Topics.FORECASTS.name(), source, loader, metrics);
        ModelSlot shadow = new ModelSlot("shadow", "fleet", "challenger", Topics.FORECASTS_SHADOW.name(), source, loader, metrics);
        assertThat(served.loadFromAlias()).isTrue();
        assertThat(shadow.loadFromAlias()).isTrue();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "shadow-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        int steps = 20;
        try (served; shadow; TopologyTestDriver driver = new TopologyTestDriver(ForecastTopology.build(
                TestSettings.of(bundles, "fleet", 64, true), List.of(served, shadow), metrics), props, Instant.ofEpochMilli(TestStream.START))) {
            driver.createInputTopic(Topics.FEATURE_SPECS.name(), new StringSerializer(), new ByteArraySerializer())
                    .pipeInput(TestStream.SPEC.id(), Codecs.FEATURE_SPEC.encode(TestStream.SPEC));
            TestInputTopic<byte[], byte[]> features = driver.createInputTopic(Topics.FEATURES.name(), new ByteArraySerializer(),
                    new ByteArraySerializer());
            for (int s = 0; s < steps; s++) {
                features.pipeInput("e1".getBytes(StandardCharsets.UTF_8), Codecs.FEATURE_VECTOR.encode(TestStream.vector(1, s)),
                        TestStream.START + (s + 1) * TestStream.STEP);
            }
            driver.advanceWallClockTime(Duration.ofSeconds(1));

            List<Forecast> champion = driver.createOutputTopic(Topics.FORECASTS.name(), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer()).readValuesToList().stream().map(v -> Codecs.FORECAST.decode(v).value()).toList();
            List<Forecast> challenger = driver.createOutputTopic(Topics.FORECASTS_SHADOW.name(), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer()).readValuesToList().stream().map(v -> Codecs.FORECAST.decode(v).value()).toList();

            assertThat(champion).hasSize(steps - TestStream.LOOKBACK + 1).allMatch(f -> f.model().equals("fleet@1"));
            assertThat(challenger).hasSize(steps - TestStream.LOOKBACK + 1).allMatch(f -> f.model().equals("fleet@2"));
            double[][] offline = TestStream.offline(bundles.resolve("fleet/2"), 1, steps);
            Forecast last = challenger.get(challenger.size() - 1);
            assertThat(last.steps().get(0).point().get("oil_c.mean")).isCloseTo(offline[steps - 1][1], within(1e-4));
            assertThat(metrics.liveErrors()).filteredOn(e -> e.horizon() == 1 && e.target().equals("oil_c.mean"))
                    .extracting(e -> e.slot() + " " + e.model() + " " + e.count())
                    .containsExactlyInAnyOrder("shadow fleet@2 " + (steps - TestStream.LOOKBACK),
                            "served fleet@1 " + (steps - TestStream.LOOKBACK));
        }
    }

    @Test
    void anEntityWhoseStepIsLongerThanTheTtlKeepsItsStateWhileItsInputsComeAndASilentOneExpires() throws Exception {
        TestStream.bundle(bundles, "fleet", 1, "dlinear", Mode.M);
        TestBundles.alias(bundles, "fleet", "champion", 1);
        ForecasterMetrics metrics = new ForecasterMetrics(new SimpleMeterRegistry());
        ModelSlot served = new ModelSlot("served", "fleet", "champion", Topics.FORECASTS.name(), new DirectoryBundleSource(bundles),
                new ModelLoader(ModelLoader.Provider.CPU, 0, 1), metrics);
        assertThat(served.loadFromAlias()).isTrue();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "ttl-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (served; TopologyTestDriver driver = new TopologyTestDriver(ForecastTopology.build(TestSettings.withTtl(bundles, "fleet", 1,
                true, Duration.ofSeconds(30)), List.of(served), metrics), props, Instant.ofEpochMilli(TestStream.START))) {
            driver.createInputTopic(Topics.FEATURE_SPECS.name(), new StringSerializer(), new ByteArraySerializer())
                    .pipeInput(TestStream.SPEC.id(), Codecs.FEATURE_SPEC.encode(TestStream.SPEC));
            TestInputTopic<byte[], byte[]> features = driver.createInputTopic(Topics.FEATURES.name(), new ByteArraySerializer(),
                    new ByteArraySerializer());
            for (int s = 0; s < 12; s++) { // one-minute steps, a TTL of 30 s
                for (String entity : s < 2 ? List.of("active", "silent") : List.of("active")) {
                    features.pipeInput(entity.getBytes(StandardCharsets.UTF_8), Codecs.FEATURE_VECTOR.encode(TestStream.vector(1, s)),
                            TestStream.START + (s + 1) * TestStream.STEP);
                }
            }
            org.apache.kafka.streams.state.KeyValueStore<String, byte[]> store = driver.getKeyValueStore(ForecastTopology.STATE_STORE_PREFIX
                    + "served");
            assertThat(store.get("active")).isNotNull();
            assertThat(EntityStateView.steps(store.get("active"))).isEqualTo(12);
            assertThat(store.get("silent")).isNull();
            EntityPages pages = (EntityPages) driver.getStateStore(EntityPages.STORE);
            assertThat(pages.get("silent")).as("the page goes with the expired state").isNull();
            assertThat(pages.get("active").latest(0)).as("the active entity's page stays, with its latest forecast").isNotNull();
        }
    }

    /** Reads a stored state's step count. */
    static final class EntityStateView {
        static long steps(byte[] bytes) throws Exception {
            return dev.streamcast.forecaster.state.EntityStateFormat.decode(bytes).steps();
        }
    }
}
