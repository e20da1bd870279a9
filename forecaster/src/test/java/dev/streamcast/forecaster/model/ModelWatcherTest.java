package dev.streamcast.forecaster.model;

import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.forecaster.TestStream;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.testkit.KafkaFixture;
import dev.streamcast.trainer.data.Mode;
import dev.streamcast.trainer.testing.TestBundles;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The model watcher on a real broker: a failure does not end it; it says so, starts over and loads the
 * model. It connects as the stream does, security settings included.
 */
class ModelWatcherTest {

    @RegisterExtension
    static final KafkaFixture kafka = new KafkaFixture();

    @TempDir
    Path bundles;

    @Test
    void aWatcherThatFailsSaysWhyStartsOverAndThenLoadsTheModel() throws Exception {
        kafka.createTopics(List.of(Topics.MODEL_EVENTS));
        TestStream.bundle(bundles, "fleet", 1, "dlinear", Mode.S);
        TestBundles.alias(bundles, "fleet", "champion", 1);
        DirectoryBundleSource folder = new DirectoryBundleSource(bundles);
        AtomicInteger failuresLeft = new AtomicInteger(2);
        BundleSource flaky = new BundleSource() { // the real folder, behind a lookup that fails twice with a bug
            @Override
            public OptionalLong resolve(String name, String alias) throws ModelLoadException {
                if (failuresLeft.getAndDecrement() > 0) {
                    throw new IllegalStateException("a bug in the alias lookup");
                }
                return folder.resolve(name, alias);
            }

            @Override
            public Path fetch(String name, long version) throws ModelLoadException {
                return folder.fetch(name, version);
            }

            @Override
            public String describe() {
                return folder.describe();
            }
        };
        ModelSlot slot = new ModelSlot("served", "fleet", "champion", Topics.FORECASTS.name(), flaky,
                new ModelLoader(ModelLoader.Provider.CPU, 0, 1), new ForecasterMetrics(new SimpleMeterRegistry()));
        Map<String, Object> connection = ModelWatcher.connection(new StreamsConfig(Map.of(
                StreamsConfig.APPLICATION_ID_CONFIG, "watcher-test", StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers())));
        try (slot; ModelWatcher watcher = new ModelWatcher(connection, List.of(slot), Duration.ofMillis(500))) {
            watcher.start();

            await().atMost(Duration.ofSeconds(10)).until(() -> watcher.problem() != null);
            assertThat(watcher.problem()).contains("a bug in the alias lookup").contains("restarts in PT0.5S");

            await().atMost(Duration.ofSeconds(30)).until(() -> slot.current() != null);
            assertThat(slot.current().ref()).isEqualTo("fleet@1");
            await().atMost(Duration.ofSeconds(10)).until(() -> watcher.problem() == null);
            assertThat(watcher.restarts()).isEqualTo(2);
        }
    }

    @Test
    void theWatcherConnectsWithTheStreamsBootstrapAndEverySecuritySetting() {
        String jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"forecaster\" password=\"p\";";
        StreamsConfig streams = new StreamsConfig(Map.of(
                StreamsConfig.APPLICATION_ID_CONFIG, "streamcast-forecaster",
                StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "kafka-0:9093,kafka-1:9093",
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", jaas,
                "ssl.truststore.type", "PEM",
                "ssl.truststore.location", "/etc/streamcast/kafka-ca/ca.crt",
                StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1,
                StreamsConfig.consumerPrefix("session.timeout.ms"), 10_000,
                StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2));

        assertThat(ModelWatcher.connection(streams)).isEqualTo(Map.of(
                "bootstrap.servers", "kafka-0:9093,kafka-1:9093",
                "security.protocol", "SASL_SSL",
                "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", jaas,
                "ssl.truststore.type", "PEM",
                "ssl.truststore.location", "/etc/streamcast/kafka-ca/ca.crt"));
        assertThat(ModelWatcher.connection(new StreamsConfig(Map.of(StreamsConfig.APPLICATION_ID_CONFIG, "a",
                StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092")))).as("nothing set: plaintext, as before")
                .isEqualTo(Map.of("bootstrap.servers", "127.0.0.1:9092"));
    }
}
