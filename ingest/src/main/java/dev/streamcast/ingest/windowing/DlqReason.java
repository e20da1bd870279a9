package dev.streamcast.ingest.windowing;

import dev.streamcast.contracts.json.DecodeError;

/** Why ingest refused a record; the value of the {@code dlq.reason} header and of the metric tag. */
public enum DlqReason {
    /** not JSON, not UTF-8, over a parser limit, a field missing or of the wrong type */
    MALFORMED,
    /** a timestamp missing, unparsable or absurd */
    BAD_TIMESTAMP,
    /** a timestamp outside ingest.timestamps.max-past / max-future around the wall clock */
    TIMESTAMP_OUT_OF_BOUNDS,
    /** NaN, Infinity, or beyond double range */
    NON_FINITE,
    /** text longer than ingest.text.max-chars */
    TEXT_TOO_LONG,
    /** a null, empty, blank, non-UTF-8 or oversized key */
    BAD_KEY,
    /** a channel not in ingest.channels, with ingest.unknown-channels=dlq */
    UNKNOWN_CHANNEL,
    /** later than the grace period: its window was already closed */
    LATE,
    /** an unexpected failure while processing this record (a bug): the stream goes on */
    PROCESSING_ERROR;

    static DlqReason of(DecodeError error) {
        return switch (error.kind()) {
            case MALFORMED -> MALFORMED;
            case NON_FINITE -> NON_FINITE;
            case BAD_TIMESTAMP -> BAD_TIMESTAMP;
        };
    }
}
