package dev.streamcast.contracts.topics;

import org.apache.kafka.common.header.Headers;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The headers of a dead-lettered record: why it was refused and where it came from. The
 * value (and key) are the original bytes, unchanged, and the record's own headers are kept.
 * Written by {@link dev.streamcast.contracts.deadletter.DeadLetter}.
 */
public final class DlqHeaders {

    /** A short machine-readable reason code, a {@code DeadLetterReason}, e.g. {@code MALFORMED}, {@code LATE}. */
    public static final String REASON = "dlq.reason";
    /** The human-readable detail: field, value, what was expected. */
    public static final String DETAIL = "dlq.detail";
    public static final String SOURCE_TOPIC = "dlq.source.topic";
    public static final String SOURCE_PARTITION = "dlq.source.partition";
    public static final String SOURCE_OFFSET = "dlq.source.offset";

    /**
     * The refused record's own timestamp (epoch ms): dead letters carry the time of refusal as their
     * record timestamp, so that the broker's retention, which deletes by record timestamp, counts
     * from when a record was refused, not from whatever time (an old event time, a garbage value)
     * its producer gave it.
     */
    public static final String SOURCE_TIMESTAMP = "dlq.source.timestamp";

    public static final List<String> ALL = List.of(REASON, DETAIL, SOURCE_TOPIC, SOURCE_PARTITION, SOURCE_OFFSET,
            SOURCE_TIMESTAMP);

    private DlqHeaders() {
    }

    /** The header's value as text, or null when absent. */
    public static String read(Headers headers, String name) {
        var header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
