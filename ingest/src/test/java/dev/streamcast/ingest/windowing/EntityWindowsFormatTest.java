package dev.streamcast.ingest.windowing;

import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.records.SensorReading;
import dev.streamcast.contracts.state.StateFormat;
import dev.streamcast.contracts.state.UnreadableStateException;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.ingest.TestSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The window state's versioned format, and the one policy for state this release cannot read. */
class EntityWindowsFormatTest {

    private static final Instant NOW = Instant.parse("2026-11-02T12:00:00Z");
    private static final long T0 = NOW.toEpochMilli() - 3_600_000L;
    private static final long SEC = 1_000L;

    private final FeatureLayout layout = new FeatureLayout(new TestSettings().build());

    @Test
    void windowStateReadsBackAsItWasWritten() throws Exception {
        EntityWindows state = layout.newEntity(T0, T0 + SEC);
        state.window(T0, layout).add(layout.channel("temp"), T0 + SEC, 21.5);
        state.emitted = true;

        byte[] stored = state.toBytes();
        EntityWindows read = EntityWindows.fromBytes(stored, layout);

        assertThat(StateFormat.versionOf(stored)).isEqualTo(EntityWindows.FORMAT.version());
        assertThat(read.toBytes()).isEqualTo(stored);
        assertThat(read.nextWindowStart).isEqualTo(T0);
        assertThat(read.emitted).isTrue();
        assertThat(read.open).hasSize(1);
    }

    @Test
    void version4StateWrittenBeforeTheChecksStoppedRewritingEntitiesIsReadAsItIs() throws Exception {
        EntityWindows state = layout.newEntity(T0, T0 + SEC);
        state.window(T0, layout).add(layout.channel("temp"), T0 + SEC, 21.5);
        byte[] version4 = state.toBytes();
        version4[1] = 4; // the same bytes under the previous version: only what they promise changed

        EntityWindows read = EntityWindows.fromBytes(version4, layout);

        assertThat(read.nextWindowStart).isEqualTo(T0);
        assertThat(read.open).hasSize(1);
        assertThat(read.open.get(0).mean[layout.channel("temp")]).isEqualTo(21.5);
        assertThat(StateFormat.versionOf(read.toBytes())).as("written back in this release's version").isEqualTo(5);
    }

    @Test
    void stateOfAnotherVersionIsRefusedNeverMisread() {
        byte[] newer = new StateFormat(EntityWindows.FORMAT.name(), EntityWindows.FORMAT.version() + 1).allocate(1).array();
        byte[] beforeTheEnvelope = {3, 16, 0}; // version 3 began with its own format byte

        assertThatThrownBy(() -> EntityWindows.fromBytes(newer, layout)).isInstanceOf(UnreadableStateException.class)
                .hasMessageContaining("written in version 6, this release reads version 5");
        assertThatThrownBy(() -> EntityWindows.fromBytes(beforeTheEnvelope, layout)).isInstanceOf(UnreadableStateException.class)
                .hasMessageContaining("before the versioned state format");
    }

    @Test
    void unreadableStateIsDiscardedCountedAndTheEntityStartsAfreshWhileTheStreamGoesOn() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "ingest-format-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (TopologyTestDriver driver = new TopologyTestDriver(TopologyProducer.build(new TestSettings().build(),
                new IngestMetrics(registry)), props, NOW)) {
            KeyValueStore<String, byte[]> store = driver.getKeyValueStore(TopologyProducer.WINDOWS_STORE);
            store.put("returning", new byte[]{3, 16, 0, 0, 0}); // a pre-envelope state of an entity that sends again
            store.put("gone", new StateFormat(EntityWindows.FORMAT.name(), 9).allocate(8).array()); // a newer release's
            ByteArraySerializer out = new ByteArraySerializer();
            TestInputTopic<byte[], byte[]> sensors = driver.createInputTopic(Topics.SENSOR_READINGS.name(), out, out);
            TestOutputTopic<byte[], byte[]> features = driver.createOutputTopic(Topics.FEATURES.name(), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            TestOutputTopic<byte[], byte[]> dlq = driver.createOutputTopic(Topics.INGEST_DLQ.name(), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());

            sensors.pipeInput(bytes("returning"), Codecs.SENSOR_READING.encode(new SensorReading(T0 + SEC, Map.of("temp", 12.0))),
                    T0 + SEC);
            sensors.pipeInput(bytes("clock"), Codecs.SENSOR_READING.encode(new SensorReading(T0 + 70 * SEC, Map.of("temp", 0.0))),
                    T0 + 70 * SEC);

            List<FeatureVector> vectors = features.readRecordsToList().stream()
                    .filter(r -> new String(r.key(), StandardCharsets.UTF_8).equals("returning"))
                    .map(r -> Codecs.FEATURE_VECTOR.decode(r.value()).value()).toList();
            assertThat(vectors).extracting(FeatureVector::windowStart).containsExactly(T0);
            assertThat(vectors.get(0).values()[layout.spec().indexOf("temp.mean")]).isEqualTo(12.0);
            assertThat(vectors.get(0).values()[layout.spec().indexOf("temp.count")]).isEqualTo(1.0);
            assertThat(store.get("gone")).as("discarded at the next closing scan").isNull();
            assertThat(registry.get("ingest.state.discarded").counter().count()).isEqualTo(2.0);
            assertThat(StateFormat.versionOf(store.get("returning"))).as("rewritten in this release's format")
                    .isEqualTo(EntityWindows.FORMAT.version());
            assertThat(dlq.isEmpty()).isTrue();
        }
    }

    private static byte[] bytes(String key) {
        return key.getBytes(StandardCharsets.UTF_8);
    }
}
