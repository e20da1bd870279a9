package dev.streamcast.forecaster.state;

import dev.streamcast.trainer.testing.TestBundles;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.Forecast;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.forecaster.StandaloneForecaster;
import dev.streamcast.forecaster.TestStream;
import dev.streamcast.testkit.KafkaFixture;
import dev.streamcast.trainer.data.Mode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * A forecaster killed with SIGKILL in the middle of a stream, then started again on an empty
 * state directory (so its entity state comes back from the changelog alone): every step of every
 * entity is forecast exactly once, and every forecast equals the offline sequence graph.
 */
class CrashRestartTest {

    @RegisterExtension
    static final KafkaFixture kafka = new KafkaFixture();

    static final int ENTITIES = 8;
    static final int STEPS = 40;

    @TempDir
    Path dir;

    Process start(Path stateDir) throws Exception {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-cp", System.getProperty("java.class.path"), StandaloneForecaster.class.getName(), kafka.bootstrapServers(),
                stateDir.toString(), dir.resolve("bundles").toString(), "fleet")
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        String line;
        StringBuilder seen = new StringBuilder();
        while ((line = out.readLine()) != null && System.nanoTime() < deadline) {
            seen.append(line).append('\n');
            if (line.equals("RUNNING")) {
                Thread drain = new Thread(() -> out.lines().forEach(l -> { }));
                drain.setDaemon(true);
                drain.start();
                return process;
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("the forecaster did not start (exit " + process.waitFor() + "):\n" + seen);
    }

    void produce(KafkaProducer<byte[], byte[]> producer, int from, int to) {
        TestStream.produce(producer, ENTITIES, from, to);
    }

    @Test
    void aKilledForecasterResumesFromTheChangelogWithoutLosingOrRepeatingAStep() throws Exception {
        kafka.createTopics(Topics.ALL);
        TestStream.bundle(dir.resolve("bundles"), "fleet", 1, "gru", Mode.M);
        TestBundles.alias(dir.resolve("bundles"), "fleet", "champion", 1);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties())) {
            producer.send(new ProducerRecord<>(Topics.FEATURE_SPECS.name(), TestStream.SPEC.id().getBytes(StandardCharsets.UTF_8),
                    Codecs.FEATURE_SPEC.encode(TestStream.SPEC))).get();
            Process first = start(dir.resolve("state-a"));
            produce(producer, 0, 20);
            assertThat(kafka.consume(Topics.FORECASTS.name(), 1, Duration.ofSeconds(60))).as("serving before the crash").isNotEmpty();
            first.destroyForcibly().waitFor(); // SIGKILL: no close, no commit, an open transaction left behind
            produce(producer, 20, 25);
            Process second = start(dir.resolve("state-b"));
            try {
                produce(producer, 25, STEPS);
                int perEntity = STEPS - TestStream.LOOKBACK + 1;
                Map<String, List<Forecast>> byEntity = new HashMap<>();
                for (ConsumerRecord<byte[], byte[]> r : kafka.consume(Topics.FORECASTS.name(), ENTITIES * perEntity,
                        Duration.ofSeconds(120))) {
                    byEntity.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                            .add(Codecs.FORECAST.decode(r.value()).value());
                }
                for (int e = 0; e < ENTITIES; e++) {
                    List<Forecast> forecasts = byEntity.get("e" + e);
                    double[][] offline = TestStream.offline(dir.resolve("bundles/fleet/1"), e, STEPS);
                    assertThat(forecasts).as("entity e%d", e).hasSize(perEntity);
                    for (int i = 0; i < perEntity; i++) {
                        int step = TestStream.LOOKBACK - 1 + i;
                        assertThat(forecasts.get(i).origin()).isEqualTo(TestStream.START + step * TestStream.STEP);
                        assertThat(forecasts.get(i).steps().get(0).point().get("oil_c.mean"))
                                .isCloseTo(offline[step][1], within(1e-4));
                    }
                }
            } finally {
                second.destroyForcibly().waitFor();
            }
        }
    }
}
