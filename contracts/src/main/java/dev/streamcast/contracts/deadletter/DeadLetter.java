package dev.streamcast.contracts.deadletter;

import dev.streamcast.contracts.json.DecodeError;
import dev.streamcast.contracts.topics.DlqHeaders;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;

/**
 * Why one record is refused, and the headers of its dead letter: the record's own headers,
 * kept, plus {@code dlq.reason}, {@code dlq.detail} and the source topic, partition and offset
 * ({@link DlqHeaders}). The dead letter's key and value are the original bytes, unchanged; every
 * service writes its dead letters through this one class, so they read the same.
 *
 * <p>The detail says what was wrong, with the value and what was expected: for a value that did
 * not decode, {@link DecodeError#describe()} ({@code field 'ts': ... (got ...)}); for a bad key,
 * the key's problem ({@code null key: ...}).
 */
public record DeadLetter(DeadLetterReason reason, String detail) {

    public DeadLetter {
        if (reason == null) {
            throw new IllegalArgumentException("a dead letter needs a reason");
        }
        detail = detail == null ? "" : detail;
    }

    public static DeadLetter of(DeadLetterReason reason, String detail) {
        return new DeadLetter(reason, detail);
    }

    /** A record value that did not decode: the reason follows the error's kind. */
    public static DeadLetter undecodable(DecodeError error) {
        return new DeadLetter(DeadLetterReason.of(error.kind()), error.describe());
    }

    /** A key that is not an entity id ({@code EntityKey.decode} failed). */
    public static DeadLetter badKey(DecodeError error) {
        return new DeadLetter(DeadLetterReason.BAD_KEY, error.reason());
    }

    /**
     * The dead letter's headers: a copy of {@code original} (null for none) with the dead-letter
     * headers set, replacing any of the same name. {@code partition} and {@code offset} are -1 and
     * {@code topic} empty when the record's position is not known.
     */
    public Headers headers(Headers original, String topic, int partition, long offset) {
        RecordHeaders headers = original == null ? new RecordHeaders() : new RecordHeaders(original.toArray());
        put(headers, DlqHeaders.REASON, reason.name());
        put(headers, DlqHeaders.DETAIL, detail);
        put(headers, DlqHeaders.SOURCE_TOPIC, topic);
        put(headers, DlqHeaders.SOURCE_PARTITION, Integer.toString(partition));
        put(headers, DlqHeaders.SOURCE_OFFSET, Long.toString(offset));
        return headers;
    }

    /**
     * The headers as {@link #headers(Headers, String, int, long)}, plus the refused record's own
     * {@code timestamp} in {@link DlqHeaders#SOURCE_TIMESTAMP}: every service writes its dead letter
     * with the time of refusal as the record timestamp, so retention counts from the refusal.
     */
    public Headers headers(Headers original, String topic, int partition, long offset, long timestamp) {
        Headers headers = headers(original, topic, partition, offset);
        put(headers, DlqHeaders.SOURCE_TIMESTAMP, Long.toString(timestamp));
        return headers;
    }

    private static void put(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, (value == null ? "" : value).getBytes(StandardCharsets.UTF_8));
    }
}
