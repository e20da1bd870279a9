package dev.streamcast.contracts.records;

import java.time.Instant;

/**
 * The range of timestamps any streamcast record may carry. Anything outside is treated as
 * absurd (a unit mix-up such as epoch microseconds, or garbage) and rejected at decoding.
 * Deployments narrow it further with their own past/future bounds (see ingest).
 */
public final class Timestamps {

    /** 1900-01-01T00:00:00Z, inclusive. */
    public static final long MIN = Instant.parse("1900-01-01T00:00:00Z").toEpochMilli();
    /** 2200-01-01T00:00:00Z, exclusive. */
    public static final long MAX = Instant.parse("2200-01-01T00:00:00Z").toEpochMilli();

    private Timestamps() {
    }

    public static boolean inRange(long epochMillis) {
        return epochMillis >= MIN && epochMillis < MAX;
    }
}
