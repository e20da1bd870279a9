package dev.streamcast.contracts.deadletter;

import dev.streamcast.contracts.json.DecodeError;

/**
 * Why a service refused a record: the value of the {@code dlq.reason} header and of the
 * services' refusal metric tags. One type for every service; each writes the reasons that can
 * happen to its input (ingest the first nine, the forecaster {@code BAD_KEY}, {@code MALFORMED},
 * {@code PROCESSING_ERROR} and the last four). The names are the codes consumers see: never rename one.
 */
public enum DeadLetterReason {
    /** not JSON, not UTF-8, over a parser limit, a field missing or of the wrong type */
    MALFORMED,
    /** a timestamp missing, unparsable or absurd */
    BAD_TIMESTAMP,
    /** a timestamp outside the service's bounds around the wall clock */
    TIMESTAMP_OUT_OF_BOUNDS,
    /** NaN, Infinity, or beyond double range */
    NON_FINITE,
    /** a text longer than the service takes */
    TEXT_TOO_LONG,
    /** a null, empty, blank, non-UTF-8 or oversized key */
    BAD_KEY,
    /** a channel the service is not configured for */
    UNKNOWN_CHANNEL,
    /** later than the grace period: its window was already closed */
    LATE,
    /** an unexpected failure while processing this record (a bug): the stream goes on */
    PROCESSING_ERROR,
    /** a feature vector whose spec id is not on {@code feature-specs}: its features have no names */
    UNKNOWN_SPEC,
    /** a feature vector whose spec the model's features are not in (or of another step length) */
    SPEC_MISMATCH,
    /** the model failed to step this input (an ONNX Runtime error): the entity's state is as before it */
    MODEL_ERROR,
    /** the model's forecast or new state for this input held NaN or infinity: no forecast, the entity starts over */
    NON_FINITE_OUTPUT;

    /** The reason for a record value that did not decode. */
    public static DeadLetterReason of(DecodeError.Kind kind) {
        return switch (kind) {
            case MALFORMED -> MALFORMED;
            case NON_FINITE -> NON_FINITE;
            case BAD_TIMESTAMP -> BAD_TIMESTAMP;
        };
    }
}
