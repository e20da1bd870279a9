package dev.streamcast.ingest.health;

import io.micrometer.core.instrument.Metrics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.jboss.logging.Logger;

import java.util.Map;

/**
 * Last-resort handlers that keep the stream alive: they log what failed and where, count it
 * in {@code ingest_handler_errors_total{stage}}, and continue. The topology reads bytes and
 * decodes inside the processor, so a bad input never reaches them; they catch what the broker
 * refuses (a vector over the size limit) and anything a future change lets through.
 */
public final class CountingExceptionHandlers {

    private static final Logger LOG = Logger.getLogger(CountingExceptionHandlers.class);

    private CountingExceptionHandlers() {
    }

    static void count(String stage) {
        Metrics.counter("ingest.handler.errors", "stage", stage).increment();
    }

    public static final class Deserialization implements DeserializationExceptionHandler {
        @Override
        public DeserializationHandlerResponse handle(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                                     Exception exception) {
            LOG.errorf(exception, "skipping an undeserializable record at %s-%d offset %d", record.topic(),
                    record.partition(), record.offset());
            count("deserialization");
            return DeserializationHandlerResponse.CONTINUE;
        }

        @Override
        public void configure(Map<String, ?> configs) {
        }
    }

    public static final class Production implements ProductionExceptionHandler {
        @Override
        public ProductionExceptionHandlerResponse handle(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
                                                         Exception exception) {
            LOG.errorf(exception, "the broker refused a record for %s (%d bytes) from processor %s, source %s-%d offset %d;"
                            + " it is skipped", record.topic(), record.value() == null ? 0 : record.value().length,
                    context.processorNodeId(), context.topic(), context.partition(), context.offset());
            count("production");
            return ProductionExceptionHandlerResponse.CONTINUE;
        }

        @Override
        public void configure(Map<String, ?> configs) {
        }
    }
}
