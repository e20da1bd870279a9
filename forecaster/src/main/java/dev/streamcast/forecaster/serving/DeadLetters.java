package dev.streamcast.forecaster.serving;

import dev.streamcast.contracts.deadletter.DeadLetter;
import dev.streamcast.contracts.json.Codec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.forecaster.batching.InputOrigin;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.state.EntityState;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The forecaster's dead letters on {@code forecaster-dlq}: the refused input's original key, value
 * and headers with the reason, detail and source position ({@link DeadLetter}), each counted in
 * {@code forecaster_refused{reason}}. An input refused after it waited for its batch is written from
 * its {@link InputOrigin}; one found waiting in the store after a restart has no record any more, so
 * its stored values are written as a feature vector, with an unknown position and a detail that says so.
 */
final class DeadLetters {

    private final ProcessorContext<byte[], byte[]> context;
    private final ForecasterMetrics metrics;
    private final Codec<FeatureVector> vectors;

    DeadLetters(ProcessorContext<byte[], byte[]> context, ForecasterMetrics metrics, Codec<FeatureVector> vectors) {
        this.context = context;
        this.metrics = metrics;
        this.vectors = vectors;
    }

    /** Where the record being processed now came from (only while processing it: punctuations have no record). */
    InputOrigin origin(Record<byte[], byte[]> record) {
        RecordMetadata meta = context.recordMetadata().orElse(null);
        return new InputOrigin(record.key(), record.value(), record.headers(), record.timestamp(),
                meta == null ? "" : meta.topic(), meta == null ? -1 : meta.partition(), meta == null ? -1 : meta.offset());
    }

    /** Refuses the record being processed now. */
    void refuse(Record<byte[], byte[]> record, DeadLetter letter) {
        refuse(origin(record), letter);
    }

    /** Refuses an input that came from {@code origin}. */
    void refuse(InputOrigin origin, DeadLetter letter) {
        metrics.refused(letter.reason());
        context.forward(new Record<>(origin.key(), origin.value(), context.currentSystemTimeMs(), // retention counts from the refusal
                letter.headers(origin.headers(), origin.topic(), origin.partition(), origin.offset(), origin.timestamp())),
                ForecastProcessor.DLQ_CHILD);
    }

    /** Refuses the pending input of {@code entity}, from its origin when known, else from its stored values. */
    void refuse(String entity, EntityState.Pending input, InputOrigin origin, DeadLetter letter) {
        if (origin != null) {
            refuse(origin, letter);
            return;
        }
        double[] values = new double[input.values().length];
        for (int i = 0; i < values.length; i++) {
            values[i] = input.values()[i];
        }
        boolean[] observed = new boolean[values.length];
        Arrays.fill(observed, true);
        FeatureVector vector = new FeatureVector(input.specId(), input.windowStart(), input.windowEnd(), values, observed);
        refuse(new InputOrigin(entity.getBytes(StandardCharsets.UTF_8), vectors.encode(vector), null, input.windowEnd(), "", -1, -1),
                DeadLetter.of(letter.reason(), letter.detail() + " (an input found waiting in the store when this task opened:"
                        + " its record's position is unknown and the value is its stored values, observed flags not kept)"));
    }
}
