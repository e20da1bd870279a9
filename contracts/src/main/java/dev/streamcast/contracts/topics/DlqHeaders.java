package dev.streamcast.contracts.topics;

import org.apache.kafka.common.header.Headers;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The headers of a dead-lettered record: why it was refused and where it came from. The
 * value (and key) are the original bytes, unchanged.
 */
public final class DlqHeaders {

    /** A short machine-readable reason code, e.g. {@code MALFORMED}, {@code LATE}. */
    public static final String REASON = "dlq.reason";
    /** The human-readable detail: field, value, what was expected. */
    public static final String DETAIL = "dlq.detail";
    public static final String SOURCE_TOPIC = "dlq.source.topic";
    public static final String SOURCE_PARTITION = "dlq.source.partition";
    public static final String SOURCE_OFFSET = "dlq.source.offset";

    public static final List<String> ALL = List.of(REASON, DETAIL, SOURCE_TOPIC, SOURCE_PARTITION, SOURCE_OFFSET);

    private DlqHeaders() {
    }

    public static void write(Headers headers, String reason, String detail, String topic, int partition, long offset) {
        put(headers, REASON, reason);
        put(headers, DETAIL, detail);
        put(headers, SOURCE_TOPIC, topic);
        put(headers, SOURCE_PARTITION, Integer.toString(partition));
        put(headers, SOURCE_OFFSET, Long.toString(offset));
    }

    /** The header's value as text, or null when absent. */
    public static String read(Headers headers, String name) {
        var header = headers.lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static void put(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, (value == null ? "" : value).getBytes(StandardCharsets.UTF_8));
    }
}
