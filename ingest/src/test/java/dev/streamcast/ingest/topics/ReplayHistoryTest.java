package dev.streamcast.ingest.topics;

import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.records.SensorReading;
import dev.streamcast.contracts.topics.TopicSpec;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.ingest.IngestSettings;
import dev.streamcast.ingest.TestSettings;
import dev.streamcast.ingest.windowing.FeatureLayout;
import dev.streamcast.ingest.windowing.IngestMetrics;
import dev.streamcast.ingest.windowing.TopologyProducer;
import dev.streamcast.testkit.KafkaFixture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
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
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Replaying readings 20 days old, the way ingest/README.md ("Replaying history") says, on a real
 * broker: ingest refuses to start while {@code features} keeps records for the seven days streamcast
 * creates it with; with the topics' retention raised as the refusal says, every vector is still on
 * {@code features} after the broker's retention check has deleted same-aged records elsewhere.
 */
class ReplayHistoryTest {

    @RegisterExtension
    static final KafkaFixture kafka = new KafkaFixture();

    /** A topic as streamcast creates its data topics: its records going is the proof that a retention check ran. */
    static final TopicSpec CONTROL = new TopicSpec("retention-control", 1, false, "records as old as the replayed readings");

    private static final int ENTITIES = 3;
    private static final int WINDOWS = 10;
    private static final long SIZE = 60_000L;
    private static final long DAY = 86_400_000L;

    @TempDir
    Path stateDir;

    @Test
    void historyOlderThanTheRetentionIsRefusedAtStartAndKeptWhenTheTopicsKeepIt() throws Exception {
        kafka.createTopics(Topics.ALL);
        kafka.createTopics(List.of(CONTROL));
        TestSettings replay = new TestSettings();
        replay.windowSize = Duration.ofMillis(SIZE);
        replay.grace = Duration.ofSeconds(10);
        replay.channels = List.of("temp");
        replay.textEnabled = false;
        replay.idleTimeout = Duration.ofHours(1);
        replay.wallClockAdvance = false; // a replay: only data moves time
        replay.maxPast = Duration.ofDays(21);
        IngestSettings settings = replay.build();
        FeatureSpec spec = new FeatureLayout(settings).spec();
        long t0 = (System.currentTimeMillis() - 20 * DAY) / SIZE * SIZE;

        try (Admin admin = kafka.admin()) {
            assertThatThrownBy(() -> StartupCheck.check(admin, settings, 1_048_576, StartupCheck.TOPIC_WAIT))
                    .hasMessageStartingWith("ingest does not start: ingest.timestamps.max-past=P21D plus ingest.window.size=PT1M"
                            + " and ingest.window.grace=PT10S (P21DT1M10S) is longer than retention.ms=604800000 (P7D) of topic"
                            + " features")
                    .hasMessageContaining("raise retention.ms of features to at least 1814470000");

            // the procedure: the topics that hold the history keep it (22 days > 21 days + window + grace), then start
            AlterConfigOp keep22Days = new AlterConfigOp(new ConfigEntry("retention.ms", Long.toString(22 * DAY)),
                    AlterConfigOp.OpType.SET);
            Map<ConfigResource, java.util.Collection<AlterConfigOp>> changes = new HashMap<>();
            for (TopicSpec topic : List.of(Topics.SENSOR_READINGS, Topics.TEXT_EVENTS, Topics.FEATURES)) {
                changes.put(new ConfigResource(ConfigResource.Type.TOPIC, topic.name()), List.of(keep22Days));
            }
            admin.incrementalAlterConfigs(changes).all().get();
            // the broker takes a moment to report a config change
            await().atMost(Duration.ofSeconds(30)).ignoreExceptionsInstanceOf(IllegalStateException.class)
                    .untilAsserted(() -> StartupCheck.check(admin, settings, 1_048_576, StartupCheck.TOPIC_WAIT));

            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties())) {
                for (int w = 0; w <= WINDOWS; w++) { // window WINDOWS only closes the ones before it
                    for (int e = 0; e < ENTITIES; e++) {
                        for (long offset : w == WINDOWS ? new long[]{15_000} : new long[]{1_000, 31_000}) {
                            long ts = t0 + w * SIZE + offset; // the history's own time, as record timestamp too
                            producer.send(new ProducerRecord<>(Topics.SENSOR_READINGS.name(), null, ts,
                                    ("entity-" + e).getBytes(StandardCharsets.UTF_8),
                                    Codecs.SENSOR_READING.encode(SensorReading.of(ts, "temp", e * 100 + w + offset / 1e6))));
                        }
                    }
                    producer.send(new ProducerRecord<>(CONTROL.name(), null, t0 + w * SIZE, new byte[]{1}, new byte[]{1}));
                }
                producer.flush();
            }

            try (KafkaStreams streams = new KafkaStreams(TopologyProducer.build(settings,
                    new IngestMetrics(new SimpleMeterRegistry())), streamsProperties())) {
                streams.start();
                List<ConsumerRecord<byte[], byte[]>> written = kafka.consume(Topics.FEATURES.name(), ENTITIES * WINDOWS,
                        Duration.ofSeconds(90));
                assertThat(written).hasSize(ENTITIES * WINDOWS);
                streams.close(new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(30)));
            }

            // the broker's retention check (30 s after it started) deletes the control topic's records, as old as the vectors
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                    .until(() -> earliestOffsets(admin, CONTROL.name()).values().stream().mapToLong(Long::longValue).sum() > 0);

            assertThat(earliestOffsets(admin, Topics.FEATURES.name())).as("nothing deleted from features").allSatisfy(
                    (partition, earliest) -> assertThat(earliest).isZero());
            Map<String, List<FeatureVector>> kept = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : kafka.consume(Topics.FEATURES.name(), ENTITIES * WINDOWS, Duration.ofSeconds(30))) {
                kept.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                        .add(Codecs.FEATURE_VECTOR.decode(r.value()).value());
            }
            for (int e = 0; e < ENTITIES; e++) {
                List<FeatureVector> vectors = kept.get("entity-" + e);
                assertThat(vectors).extracting(FeatureVector::windowStart)
                        .containsExactlyElementsOf(IntStream.range(0, WINDOWS).mapToObj(w -> t0 + w * SIZE).toList());
                for (int w = 0; w < WINDOWS; w++) {
                    assertThat(vectors.get(w).values()[spec.indexOf("temp.count")]).isEqualTo(2.0);
                    assertThat(vectors.get(w).values()[spec.indexOf("temp.last")]).isEqualTo(e * 100 + w + 0.031);
                }
            }
        }
    }

    private Properties streamsProperties() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "ingest-replay-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        return props;
    }

    private static Map<TopicPartition, Long> earliestOffsets(Admin admin, String topic) throws Exception {
        int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            request.put(new TopicPartition(topic, p), OffsetSpec.earliest());
        }
        Map<TopicPartition, Long> earliest = new HashMap<>();
        admin.listOffsets(request).all().get().forEach((tp, info) -> earliest.put(tp, info.offset()));
        return earliest;
    }
}
