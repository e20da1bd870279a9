package dev.streamcast.ingest.windowing;

import dev.streamcast.contracts.topics.DlqHeaders;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.ingest.IngestSettings;
import dev.streamcast.ingest.TestSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The windowing processor alone (Kafka's {@code MockProcessorContext}): its own failures on a record
 * become dead letters, but a failure of Kafka Streams passing through it must stop the stream.
 */
class WindowingProcessorFailureTest {

    /**
     * Throws once, on the first write after the spec, as Kafka Streams' record collector does when an
     * earlier record was refused: the failure is raised at the next send, then forgotten.
     */
    private static final class RefusingContext extends MockProcessorContext<byte[], byte[]> {
        private boolean refused;

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"}) // the erasure of forward<K extends byte[], V extends byte[]>
        public void forward(Record record, String childName) {
            if (!refused && !TopologyProducer.SPECS_SINK.equals(childName)) {
                refused = true;
                throw new StreamsException("Error encountered sending record to topic features for task 0_0",
                        new RecordTooLargeException("The message is 1500 bytes when serialized which is larger than 1000"));
            }
            super.forward(record, childName);
        }
    }

    @Test
    void aRefusedEarlierWriteSurfacingInTheProcessorStopsTheStreamInsteadOfBecomingADeadLetter() {
        IngestSettings settings = new TestSettings().build();
        WindowingProcessor processor = new WindowingProcessor(settings, new FeatureLayout(settings),
                new IngestMetrics(new SimpleMeterRegistry()));
        RefusingContext context = new RefusingContext();
        KeyValueStore<String, byte[]> windows = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(
                TopologyProducer.WINDOWS_STORE), Serdes.String(), Serdes.ByteArray()).withLoggingDisabled().build();
        KeyValueStore<String, Long> clock = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(
                TopologyProducer.CLOCK_STORE), Serdes.String(), Serdes.Long()).withLoggingDisabled().build();
        windows.init(context.getStateStoreContext(), windows);
        clock.init(context.getStateStoreContext(), clock);
        context.addStateStore(windows);
        context.addStateStore(clock);
        context.setCurrentSystemTimeMs(System.currentTimeMillis());
        processor.init(context);
        context.setRecordMetadata(Topics.SENSOR_READINGS.name(), 0, 7);
        byte[] malformed = "{\"ts\":".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> processor.process(new Record<>("t1".getBytes(StandardCharsets.UTF_8), malformed, 0L)))
                .isInstanceOf(StreamsException.class)
                .hasRootCauseInstanceOf(RecordTooLargeException.class);
        assertThat(context.forwarded(TopologyProducer.DLQ_SINK)).as("no PROCESSING_ERROR dead letter hides the failure")
                .noneMatch(f -> "PROCESSING_ERROR".equals(DlqHeaders.read(f.record().headers(), DlqHeaders.REASON)));
    }
}
