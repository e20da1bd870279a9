package dev.streamcast.contracts.json;

/**
 * A record's bytes in one {@link Encoding}: decoding never throws (a bad record is a
 * {@link Decoded.Failed} naming the field, the value and the reason, with its original bytes),
 * and a record in the other encoding is refused as such, never misread.
 */
public interface Codec<T> {

    /** The record type's name in messages: {@code feature vector}, {@code forecast}. */
    String recordName();

    Encoding encoding();

    Decoded<T> decode(byte[] bytes);

    byte[] encode(T value);
}
