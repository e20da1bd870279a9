package dev.streamcast.loadtest.bench;

import dev.streamcast.contracts.topics.Topics;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ceiling app writes the forecaster's state size of each step, and its output from the warm-up's last record on. */
class CeilingAppTest {

    private static final byte[] ENTITY = "entity-7".getBytes(StandardCharsets.UTF_8);

    @Test
    void eachRecordOfAnEntityWritesTheStateSizeOfItsStepAndTheLastSizeFromThenOn() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "ceiling-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        try (TopologyTestDriver driver = new TopologyTestDriver(CeilingApp.topology("out", new int[]{100, 160, 230}, 40, 2), props)) {
            TestInputTopic<byte[], byte[]> in = driver.createInputTopic(Topics.FEATURES.name(), new ByteArraySerializer(),
                    new ByteArraySerializer());
            TestOutputTopic<byte[], byte[]> out = driver.createOutputTopic("out", new ByteArrayDeserializer(), new ByteArrayDeserializer());
            KeyValueStore<byte[], byte[]> store = driver.getKeyValueStore(CeilingApp.STORE);
            int[] expected = {100, 160, 230, 230, 230};
            for (int record = 1; record <= expected.length; record++) {
                in.pipeInput(ENTITY, new byte[12]);
                byte[] state = store.get(ENTITY);
                assertThat(state).as("record %d", record).hasSize(expected[record - 1]);
                assertThat(ByteBuffer.wrap(state).getInt()).isEqualTo(record);
                assertThat(out.readValuesToList()).as("record %d", record)
                        .hasSize(record >= 2 ? 1 : 0).allSatisfy(value -> assertThat(value).hasSize(40));
            }
        }
    }

    @Test
    void stateSizesAreOneNumberOrOnePerStepAndRoundTripThroughTheCommandLine() {
        assertThat(CeilingApp.sizes("834")).containsExactly(834);
        assertThat(CeilingApp.sizes("610, 642,834")).containsExactly(610, 642, 834);
        assertThat(CeilingApp.sizes(CeilingApp.sizesArgument(new int[]{5, 6, 7}))).containsExactly(5, 6, 7);
        assertThatThrownBy(() -> CeilingApp.topology("out", new int[0], 10, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("one step");
    }
}
