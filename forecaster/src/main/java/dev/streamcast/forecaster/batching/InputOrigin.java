package dev.streamcast.forecaster.batching;

import org.apache.kafka.common.header.Headers;

/**
 * The record an input came from, as read: what a dead letter of the input carries if its step
 * fails later, in a batch or a punctuation where the record itself is gone. Held only while the
 * input waits for its batch; the byte arrays are the record's own, not copies.
 *
 * @param offset -1 (and {@code topic} empty) when the position is not known
 */
public record InputOrigin(byte[] key, byte[] value, Headers headers, long timestamp, String topic, int partition, long offset) {
}
