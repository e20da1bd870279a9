package dev.streamcast.forecaster.serving;

import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.state.StateFormat;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.forecaster.TestStream;
import dev.streamcast.forecaster.TestSettings;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.model.DirectoryBundleSource;
import dev.streamcast.forecaster.model.ModelLoader;
import dev.streamcast.forecaster.model.ModelSlot;
import dev.streamcast.forecaster.state.EntityState;
import dev.streamcast.forecaster.state.EntityStateFormat;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one policy for entity state this release cannot read, in the whole topology: discarded,
 * counted, and the entity goes on as a new one; the stream never stops. No model is needed: without
 * one the forecaster still keeps each entity's inputs.
 */
class UnreadableStateTest {

    @TempDir
    Path bundles;

    @Test
    void stateOfAnUnknownVersionIsDiscardedAndTheEntityGoesOnAsANewOne() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ForecasterMetrics metrics = new ForecasterMetrics(meters);
        ModelSlot slot = new ModelSlot("served", "fleet", "champion", Topics.FORECASTS.name(), new DirectoryBundleSource(bundles),
                new ModelLoader(ModelLoader.Provider.CPU, 0, 1), metrics);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "unreadable-state-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (slot; TopologyTestDriver driver = new TopologyTestDriver(ForecastTopology.build(TestSettings.of(bundles, "fleet", 8, true),
                List.of(slot), metrics), props, Instant.ofEpochMilli(TestStream.START))) {
            KeyValueStore<String, byte[]> store = driver.getKeyValueStore(ForecastTopology.STATE_STORE_PREFIX + "served");
            store.put("e1", new StateFormat(EntityStateFormat.FORMAT.name(), 7).allocate(32).array()); // a newer release's
            byte[] firstFormat = new byte[48];
            firstFormat[0] = 1;
            store.put("e2", firstFormat); // written before the envelope
            driver.createInputTopic(Topics.FEATURE_SPECS.name(), new StringSerializer(), new ByteArraySerializer())
                    .pipeInput(TestStream.SPEC.id(), Codecs.FEATURE_SPEC.encode(TestStream.SPEC));

            driver.createInputTopic(Topics.FEATURES.name(), new ByteArraySerializer(), new ByteArraySerializer())
                    .pipeInput("e1".getBytes(StandardCharsets.UTF_8), Codecs.FEATURE_VECTOR.encode(TestStream.vector(1, 0)),
                            TestStream.START + TestStream.STEP);

            EntityState e1 = EntityStateFormat.decode(store.get("e1"));
            assertThat(e1.lastInput()).isEqualTo(TestStream.START + TestStream.STEP);
            assertThat(e1.recentInputs(8)).hasSize(1);
            assertThat(store.get("e2")).as("discarded by the TTL scan, which first runs on the first record").isNull();
            assertThat(meters.find("forecaster_state_discarded").tags("slot", "served").counter().count()).isEqualTo(2.0);
            assertThat(driver.createOutputTopic(Topics.FORECASTER_DLQ.name(), new ByteArrayDeserializer(), new ByteArrayDeserializer())
                    .isEmpty()).isTrue();
        }
    }
}
