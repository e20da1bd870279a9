package dev.streamcast.contracts.state;

import java.nio.ByteBuffer;

/**
 * The versioned envelope of every value in a streamcast service's state store: a marker byte
 * ({@value #MARKER_HEX}), the format's version (1..255), then the payload. A service names its
 * format once ({@code new StateFormat("forecaster entity state", 2)}), writes through
 * {@link #allocate} and reads through {@link #open}, which refuses (never misreads) bytes of
 * any other version and bytes written before this envelope existed.
 *
 * <p>What a service does with refused state is the one policy in contracts/README.md ("State
 * format"): the entity's state is discarded and rebuilt from new input, counted and logged with
 * the versions found and expected; the stream goes on.
 */
public record StateFormat(String name, int version) {

    /** The first byte of every enveloped state. No state written before the envelope starts with it. */
    public static final byte MARKER = (byte) 0x5C;
    static final String MARKER_HEX = "0x5C";
    public static final int HEADER_BYTES = 2;
    /** {@link #versionOf} for bytes without the envelope. */
    public static final int NO_ENVELOPE = -1;

    public StateFormat {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a state format needs a name");
        }
        if (version < 1 || version > 255) {
            throw new IllegalArgumentException(name + ": version " + version + " is outside 1..255");
        }
    }

    /** A buffer for the header and {@code payloadBytes}, the header written, positioned at the payload. */
    public ByteBuffer allocate(int payloadBytes) {
        return ByteBuffer.allocate(HEADER_BYTES + payloadBytes).put(MARKER).put((byte) version);
    }

    /**
     * The payload of {@code stored}, positioned after the header.
     *
     * @throws UnreadableStateException when {@code stored} is of another version or has no envelope
     */
    public ByteBuffer open(byte[] stored) throws UnreadableStateException {
        int found = versionOf(stored);
        if (found != version) {
            throw new UnreadableStateException(this, found, stored);
        }
        return ByteBuffer.wrap(stored, HEADER_BYTES, stored.length - HEADER_BYTES).slice();
    }

    /**
     * The payload of {@code stored} written in any version from {@code oldestReadable} to this one
     * (read {@link #versionOf} first to know which), positioned after the header.
     *
     * @throws UnreadableStateException when {@code stored} is of a version outside that range or has no envelope
     */
    public ByteBuffer open(byte[] stored, int oldestReadable) throws UnreadableStateException {
        int found = versionOf(stored);
        if (found < oldestReadable || found > version) {
            throw new UnreadableStateException(this, found, stored);
        }
        return ByteBuffer.wrap(stored, HEADER_BYTES, stored.length - HEADER_BYTES).slice();
    }

    /** The version {@code stored} was written in, or {@link #NO_ENVELOPE}. */
    public static int versionOf(byte[] stored) {
        return stored != null && stored.length >= HEADER_BYTES && stored[0] == MARKER ? stored[1] & 0xFF : NO_ENVELOPE;
    }

    @Override
    public String toString() {
        return name + " v" + version;
    }
}
