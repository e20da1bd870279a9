package dev.streamcast.contracts.json;

import java.util.Locale;

/**
 * How the records of a topic are written. {@code json} is the readable default; {@code binary}
 * is streamcast's flat layout ({@code contracts/README.md}), for {@code features} and
 * {@code forecasts}, several times cheaper to write and read. Every service that writes or reads
 * such a topic takes its encoding from the same setting, {@code streamcast.encoding.<topic>}.
 */
public enum Encoding {
    JSON,
    BINARY;

    /** First byte of every binary record; never the first byte of a JSON document (not even valid UTF-8 there). */
    public static final byte BINARY_MAGIC = (byte) 0xB1;

    /** The setting that names the encoding of {@code topic}: {@code streamcast.encoding.<topic>}. */
    public static String setting(String topic) {
        return "streamcast.encoding." + topic;
    }

    /** {@code json} or {@code binary} (any case); otherwise an error naming the setting and what it accepts. */
    public static Encoding parse(String setting, String value) {
        String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "json" -> JSON;
            case "binary" -> BINARY;
            default -> throw new IllegalArgumentException(setting + " must be json or binary, got '" + value + "'");
        };
    }

    /** The encoding these bytes are in, judged by their first byte: binary if it is the magic, JSON otherwise. */
    public static Encoding of(byte[] bytes) {
        return bytes != null && bytes.length > 0 && bytes[0] == BINARY_MAGIC ? BINARY : JSON;
    }

    /**
     * What a reader of this encoding refuses before reading a field: no value (a tombstone), an
     * empty one, or one in the other encoding, named as such; null when {@code bytes} may be read.
     */
    <T> Decoded<T> refuse(byte[] bytes, String recordName) {
        if (bytes == null) {
            return Decoded.failed(new DecodeError("$", null, "null value (tombstone) where a " + recordName + " was expected"), null);
        }
        if (bytes.length == 0) {
            return Decoded.failed(new DecodeError("$", "", "empty value where a " + recordName + " was expected"), bytes);
        }
        Encoding found = of(bytes);
        if (found != this) {
            return Decoded.failed(new DecodeError("$", null, "a " + recordName + " in " + found.label() + " where this reader"
                    + " expects " + label() + ": its producer and consumers disagree on the topic's encoding"
                    + " (streamcast.encoding.<topic>)"), bytes);
        }
        return null;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
