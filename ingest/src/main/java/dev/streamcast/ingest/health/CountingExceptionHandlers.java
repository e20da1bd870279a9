package dev.streamcast.ingest.health;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.processor.api.Record;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;

/**
 * The last-resort handlers: none of them skips a record. Each logs what failed and where, counts it in
 * {@code ingest_handler_errors_total{stage}} and fails the stream thread, so the transaction in
 * flight is aborted, no input offset past the record is committed, and the record is processed
 * again when the stream is restarted (after its cause is fixed). {@code dev.streamcast.health.StreamFailure} then
 * shuts the Kafka Streams client down and {@code dev.streamcast.health.StreamLiveness} reports the application dead.
 *
 * <p>Refused input never gets here: the topology reads bytes and decodes inside the processor, which
 * sends bad records and its own failures on a record to {@code ingest-dlq}. What is left is a record
 * the broker or the producer refuses (a vector larger than {@code max.message.bytes} of its topic or
 * the producer's {@code max.request.size}) and failures outside a record's processing. Kafka Streams
 * 4.1 cannot route a refused record to a dead-letter topic from its production handler (that is
 * KIP-1034, in 4.2), and a vector is no input record to dead-letter anyway: failing is the one way not
 * to lose it.
 */
public final class CountingExceptionHandlers {

    private static final Logger LOG = Logger.getLogger(CountingExceptionHandlers.class);
    static final String ERRORS = "ingest.handler.errors";
    /** Where a handler stops the stream: the {@code stage} of {@code ingest_handler_errors_total}. */
    static final List<String> STAGES = List.of("deserialization", "production", "processing");

    private CountingExceptionHandlers() {
    }

    /**
     * Every stage's counter at zero in {@code registry}, at start: Kafka Streams creates the handlers
     * by class name, so they count through Micrometer's global registry, which the service's registry
     * is part of, and their first count would otherwise create the series.
     */
    public static void countFromZero(MeterRegistry registry) {
        for (String stage : STAGES) {
            registry.counter(ERRORS, "stage", stage);
        }
    }

    static void count(String stage) {
        Metrics.counter(ERRORS, "stage", stage).increment();
    }

    /** Where the record being processed came from, or that there was none (a punctuation). */
    static String source(ErrorHandlerContext context) {
        return context.topic() == null
                ? "no source record (a punctuation)"
                : "source " + context.topic() + "-" + context.partition() + " offset " + context.offset();
    }

    /** Cannot happen while every source reads bytes; a future typed source fails rather than skips. */
    public static final class Deserialization implements DeserializationExceptionHandler {
        @Override
        public DeserializationHandlerResponse handle(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                                     Exception exception) {
            LOG.errorf(exception, "could not deserialize the record at %s-%d offset %d; the stream stops rather than skip it",
                    record.topic(), record.partition(), record.offset());
            count("deserialization");
            return DeserializationHandlerResponse.FAIL;
        }

        @Override
        public void configure(Map<String, ?> configs) {
        }
    }

    /**
     * A record the producer or the broker refused. A retriable error (a timeout, a lost leader) is
     * retried: the task is re-initialised from its last commit, nothing is skipped and nothing is
     * counted. Anything else (a record over a size limit, an invalid timestamp) fails the stream.
     */
    public static final class Production implements ProductionExceptionHandler {
        @Override
        public ProductionExceptionHandlerResponse handle(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
                                                         Exception exception) {
            int keyBytes = record.key() == null ? 0 : record.key().length;
            int valueBytes = record.value() == null ? 0 : record.value().length;
            if (exception instanceof RetriableException) {
                LOG.warnf("sending a record to %s (%d bytes) from processor %s, %s, failed for now and is retried: %s",
                        record.topic(), keyBytes + valueBytes, context.processorNodeId(), source(context), exception);
                return ProductionExceptionHandlerResponse.RETRY;
            }
            LOG.errorf("could not write a record to %s (%d bytes: key %d, value %d) from processor %s, %s: %s; the stream stops"
                            + " rather than skip it: nothing after it is committed, and it is written again when ingest is restarted"
                            + " with the cause fixed (a record over a size limit: raise the topic's max.message.bytes or"
                            + " kafka-streams.producer.max.request.size)", record.topic(), keyBytes + valueBytes, keyBytes, valueBytes,
                    context.processorNodeId(), source(context), exception);
            count("production");
            return ProductionExceptionHandlerResponse.FAIL;
        }

        @Override
        public void configure(Map<String, ?> configs) {
        }
    }

    /**
     * An exception out of the windowing processor. Its failures on a record go to {@code ingest-dlq}
     * as {@code PROCESSING_ERROR} inside the processor, so what reaches this handler is a failure
     * outside a record's processing (a punctuation, which closes windows and writes vectors) or an
     * exception of Kafka Streams itself passing through the processor (most often an earlier refused
     * record, surfacing at the next write: counted by {@link Production} already, so not again here).
     */
    public static final class Processing implements ProcessingExceptionHandler {
        @Override
        public ProcessingHandlerResponse handle(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
            LOG.errorf(exception, "processor %s failed, %s; the stream stops rather than skip anything", context.processorNodeId(),
                    source(context));
            if (!(exception instanceof StreamsException)) {
                count("processing");
            }
            return ProcessingHandlerResponse.FAIL;
        }

        @Override
        public void configure(Map<String, ?> configs) {
        }
    }
}
