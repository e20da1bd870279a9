package dev.streamcast.forecaster.serving;

import dev.streamcast.contracts.json.Encoding;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.forecaster.TestSettings;
import dev.streamcast.forecaster.TestStream;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.model.ModelSlot;
import dev.streamcast.forecaster.state.EntityState;
import dev.streamcast.forecaster.state.EntityStateFormat;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Inputs waiting for their batch are held in memory and written into the entity store just before a
 * commit writes it (TopologyTestDriver commits after every input), so a commit never covers an
 * input that exists only in memory; once stepped, the store holds the stepped state without it.
 */
class WaitingInputsTest {

    @TempDir
    static Path bundles;

    @BeforeAll
    static void writeBundles() throws Exception {
        TestStream.gruChampion(bundles);
    }

    @Test
    void aWaitingInputIsInTheStoreAtEachCommitAndSteppedOnceTheBatchRuns() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ForecasterMetrics metrics = new ForecasterMetrics(meters);
        ModelSlot slot = TestStream.servedGru(bundles, metrics);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "waiting-inputs-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (slot; TopologyTestDriver driver = new TopologyTestDriver(ForecastTopology.build(
                TestSettings.of(bundles, "gru", 64, false, Duration.ofDays(7), Encoding.JSON), List.of(slot), metrics), props,
                Instant.ofEpochMilli(TestStream.START))) {
            driver.createInputTopic(Topics.FEATURE_SPECS.name(), new StringSerializer(), new ByteArraySerializer())
                    .pipeInput(TestStream.SPEC.id(), Codecs.FEATURE_SPEC.encode(TestStream.SPEC));
            TestInputTopic<byte[], byte[]> features = driver.createInputTopic(Topics.FEATURES.name(), new ByteArraySerializer(),
                    new ByteArraySerializer());
            KeyValueStore<String, byte[]> store = driver.getKeyValueStore(ForecastTopology.STATE_STORE_PREFIX + "served");
            for (int e = 0; e < 3; e++) {
                features.pipeInput(("e" + e).getBytes(StandardCharsets.UTF_8), Codecs.featureVectors(Encoding.JSON)
                        .encode(TestStream.vector(e, 0)), TestStream.START + TestStream.STEP);
            }
            for (int e = 0; e < 3; e++) {
                EntityState waiting = EntityStateFormat.decode(store.get("e" + e));
                assertThat(waiting.pending()).as("e%d's input, written by the commit", e).isNotNull();
                assertThat(waiting.pending().windowStart()).isEqualTo(TestStream.START);
                assertThat(waiting.steps()).isZero();
            }

            driver.advanceWallClockTime(Duration.ofMillis(100)); // the batch's longest wait: stepped, then committed

            for (int e = 0; e < 3; e++) {
                EntityState stepped = EntityStateFormat.decode(store.get("e" + e));
                assertThat(stepped.pending()).as("e%d stepped", e).isNull();
                assertThat(stepped.steps()).isEqualTo(1);
                assertThat(stepped.latestWindowStart()).isEqualTo(TestStream.START);
            }
        }
    }
}
