package dev.streamcast.ingest.windowing;

import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.records.SensorReading;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.ingest.IngestSettings;
import dev.streamcast.ingest.TestSettings;
import dev.streamcast.testkit.KafkaFixture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The topology on a real broker under exactly_once_v2, stopped in the middle of a stream and
 * started again on an empty state directory (so its state comes back from the changelog):
 * every vector arrives exactly once, in window order, with the right values.
 */
class RestartMidStreamTest {

    @RegisterExtension
    static final KafkaFixture kafka = new KafkaFixture();

    private static final int ENTITIES = 12;
    private static final int WINDOWS = 24;
    private static final long SIZE = 10_000L;
    private static final long[] OFFSETS = {1_000, 3_000, 5_000, 7_000, 9_000};

    @TempDir
    Path stateDirs;

    private static double value(int entity, int window, int k) {
        return entity * 100 + window + k * 0.25;
    }

    private KafkaStreams start(IngestSettings settings, Path stateDir) {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "ingest-restart-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        // the stopped instance's membership expires after this; the broker's minimum
        props.put(StreamsConfig.consumerPrefix(org.apache.kafka.clients.consumer.ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6_000);
        KafkaStreams streams = new KafkaStreams(TopologyProducer.build(settings, new IngestMetrics(new SimpleMeterRegistry())), props);
        streams.start();
        return streams;
    }

    @Test
    void noVectorIsLostDuplicatedOrReorderedAcrossARestart() throws Exception {
        kafka.createTopics(Topics.ALL);
        TestSettings test = new TestSettings();
        test.windowSize = Duration.ofMillis(SIZE);
        test.grace = Duration.ofSeconds(2);
        test.channels = List.of("temp");
        test.textEnabled = false;
        test.idleTimeout = Duration.ofHours(1);
        test.wallClockAdvance = false;
        test.inMemoryStore = false;
        test.closeSlice = 2; // each close in slices, each committed, entities' states not rewritten: a stop may fall between
        IngestSettings settings = test.build();
        FeatureSpec spec = new FeatureLayout(settings).spec();
        long t0 = (System.currentTimeMillis() - 3_600_000L) / SIZE * SIZE;

        List<ProducerRecord<byte[], byte[]>> input = new ArrayList<>();
        for (int w = 0; w <= WINDOWS; w++) {
            for (int k = 0; k < OFFSETS.length; k++) {
                for (int e = 0; e < ENTITIES; e++) {
                    // window WINDOWS is only there to close the windows before it
                    long ts = w == WINDOWS ? t0 + w * SIZE + 2_500 : t0 + w * SIZE + OFFSETS[k];
                    input.add(new ProducerRecord<>(Topics.SENSOR_READINGS.name(), null, ts,
                            ("entity-" + e).getBytes(StandardCharsets.UTF_8),
                            Codecs.SENSOR_READING.encode(SensorReading.of(ts, "temp", value(e, w, k)))));
                }
                if (w == WINDOWS) {
                    break;
                }
            }
        }

        Thread producer = new Thread(() -> {
            // one acknowledged record at a time: a stream that keeps arriving while the app restarts
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(kafka.producerProperties())) {
                for (ProducerRecord<byte[], byte[]> record : input) {
                    p.send(record).get();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("the broker refused a test record", e.getCause());
            }
        });

        Map<String, List<FeatureVector>> received = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(kafka.consumerProperties())) {
            consumer.subscribe(List.of(Topics.FEATURES.name()));
            KafkaStreams first = start(settings, stateDirs.resolve("first"));
            producer.start();
            await().atMost(Duration.ofSeconds(90)).until(() -> poll(consumer, received) >= ENTITIES * WINDOWS / 4);
            first.close(new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(30)).leaveGroup(true));
            int beforeRestart = count(received);
            assertThat(beforeRestart).isLessThan(ENTITIES * WINDOWS);

            KafkaStreams second = start(settings, stateDirs.resolve("second"));
            try {
                await().atMost(Duration.ofSeconds(120)).until(() -> poll(consumer, received) >= ENTITIES * WINDOWS);
                producer.join();
                long quietUntil = System.currentTimeMillis() + 3_000;
                while (System.currentTimeMillis() < quietUntil) {
                    poll(consumer, received); // anything extra would be a duplicate
                }
            } finally {
                second.close(new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(30)).leaveGroup(true));
            }
        }

        assertThat(count(received)).isEqualTo(ENTITIES * WINDOWS);
        for (int e = 0; e < ENTITIES; e++) {
            List<FeatureVector> vectors = received.get("entity-" + e);
            assertThat(vectors).hasSize(WINDOWS);
            for (int w = 0; w < WINDOWS; w++) {
                FeatureVector v = vectors.get(w);
                assertThat(v.windowStart()).as("entity-%d vector %d", e, w).isEqualTo(t0 + w * SIZE);
                double mean = 0;
                for (int k = 0; k < OFFSETS.length; k++) {
                    mean += value(e, w, k) / OFFSETS.length;
                }
                assertThat(v.values()[spec.indexOf("temp.mean")]).isCloseTo(mean, org.assertj.core.data.Offset.offset(1e-9));
                assertThat(v.values()[spec.indexOf("temp.count")]).isEqualTo(5.0);
                assertThat(v.values()[spec.indexOf("temp.last")]).isEqualTo(value(e, w, OFFSETS.length - 1));
            }
        }
    }

    private static int poll(KafkaConsumer<byte[], byte[]> consumer, Map<String, List<FeatureVector>> received) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            received.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                    .add(Codecs.FEATURE_VECTOR.decode(r.value()).value());
        }
        return count(received);
    }

    private static int count(Map<String, List<FeatureVector>> received) {
        return received.values().stream().mapToInt(List::size).sum();
    }
}
