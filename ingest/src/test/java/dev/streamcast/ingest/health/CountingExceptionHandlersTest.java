package dev.streamcast.ingest.health;

import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler.DeserializationHandlerResponse;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler.ProcessingHandlerResponse;
import org.apache.kafka.streams.errors.ProductionExceptionHandler.ProductionExceptionHandlerResponse;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** No handler skips a record: each fails the stream (a retriable send is retried) and counts what stopped it. */
class CountingExceptionHandlersTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeEach
    void register() {
        Metrics.addRegistry(registry);
    }

    @AfterEach
    void unregister() {
        Metrics.removeRegistry(registry);
    }

    private double count(String stage) {
        var counter = registry.find("ingest.handler.errors").tag("stage", stage).counter();
        return counter == null ? 0 : counter.count();
    }

    /** Where Kafka Streams was: a punctuation has no source record (topic null, partition and offset -1). */
    private static ErrorHandlerContext at(String topic, int partition, long offset) {
        return new ErrorHandlerContext() {
            public String topic() { return topic; }
            public int partition() { return partition; }
            public long offset() { return offset; }
            public Headers headers() { return new RecordHeaders(); }
            public String processorNodeId() { return "features-sink"; }
            public TaskId taskId() { return new TaskId(0, 2); }
            public long timestamp() { return 0; }
            public byte[] sourceRawKey() { return null; }
            public byte[] sourceRawValue() { return null; }
        };
    }

    @Test
    void aRecordTheBrokerRefusesFailsTheStreamAndIsCountedWhileATimeoutIsRetried() {
        CountingExceptionHandlers.Production production = new CountingExceptionHandlers.Production();
        ProducerRecord<byte[], byte[]> vector = new ProducerRecord<>("features", new byte[14], new byte[511]);

        assertThat(production.handle(at(null, -1, -1), vector, new RecordTooLargeException("too large")))
                .isEqualTo(ProductionExceptionHandlerResponse.FAIL);
        assertThat(production.handle(at("sensor-readings", 1, 42), vector, new TimeoutException("expired")))
                .isEqualTo(ProductionExceptionHandlerResponse.RETRY);
        assertThat(count("production")).isEqualTo(1.0);
    }

    @Test
    void aProcessingFailureFailsTheStreamAndIsCountedUnlessItIsKafkasOwnPassingThrough() {
        CountingExceptionHandlers.Processing processing = new CountingExceptionHandlers.Processing();

        assertThat(processing.handle(at(null, -1, -1), null, new IllegalStateException("a bug in the punctuator")))
                .isEqualTo(ProcessingHandlerResponse.FAIL);
        assertThat(processing.handle(at("sensor-readings", 0, 7), null, new StreamsException("an earlier send failed")))
                .isEqualTo(ProcessingHandlerResponse.FAIL);
        assertThat(count("processing")).as("the refused send is counted as production, where it happened").isEqualTo(1.0);
    }

    @Test
    void anUndeserializableRecordFailsTheStream() {
        assertThat(new CountingExceptionHandlers.Deserialization().handle(at("sensor-readings", 0, 7),
                new ConsumerRecord<>("sensor-readings", 0, 7, new byte[1], new byte[1]), new IllegalArgumentException("bad")))
                .isEqualTo(DeserializationHandlerResponse.FAIL);
        assertThat(count("deserialization")).isEqualTo(1.0);
    }
}
