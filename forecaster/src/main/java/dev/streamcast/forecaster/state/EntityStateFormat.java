package dev.streamcast.forecaster.state;

import dev.streamcast.contracts.state.StateFormat;
import dev.streamcast.contracts.state.UnreadableStateException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The bytes of an {@link EntityState} in the store and its changelog, inside the versioned
 * envelope every streamcast store uses ({@link StateFormat}). Version 4 adds the entity's count of
 * inputs without a forecast ({@link EntityState#missedForecasts()}) right after the last input's
 * window end, where the TTL scan reads both without decoding the rest, and is written. Versions 3
 * (only the remembered inputs there are) and 2 (the whole ring, empty rows included) are still
 * read, with that count at 0. State of any other version, and state written before the
 * envelope (its first format, a leading byte 1), is refused with {@link UnreadableStateException},
 * never misread: {@link EntityStore} applies the policy.
 */
public final class EntityStateFormat {

    public static final StateFormat FORMAT = new StateFormat("forecaster entity state", 4);
    /** The oldest version still read. */
    static final int OLDEST_READ = 2;
    /** The first version with {@code missedForecasts}. */
    private static final int MISSED_FORECASTS_SINCE = 4;

    /** Bytes before {@code lastInput} in the payload: the model ref's length and bytes come first. */
    private static final int LAST_INPUT_AFTER_REF = Long.BYTES + Long.BYTES;
    /** Bytes before {@code missedForecasts} in the payload, after the model ref: it follows {@code lastInput}. */
    private static final int MISSED_FORECASTS_AFTER_REF = LAST_INPUT_AFTER_REF + Long.BYTES;

    private EntityStateFormat() {
    }

    public static byte[] encode(EntityState s) {
        EntityState.Pending pending = s.pending;
        int size = stringBytes(s.modelRef) + 8 + 8 + 8 + 4 + 4 + 4 * s.tensors.length
                + stringBytes(s.historySpec) + 4 + 4 + 4 + 4 + 4 * s.historyCount * s.historyFeatures
                + 1 + (pending == null ? 0 : stringBytes(pending.specId()) + 8 + 8 + 4 + 4 * pending.values().length)
                + 4 + 4 + 8 * s.evalOrigins.length + 4 * s.evalValues.length + 4;
        ByteBuffer b = FORMAT.allocate(size);
        putString(b, s.modelRef);
        b.putLong(s.steps).putLong(s.lastWindowStart).putLong(s.lastInput).putInt(s.missedForecasts);
        putFloats(b, s.tensors);
        putString(b, s.historySpec);
        b.putInt(s.historyFeatures).putInt(s.historyCount);
        b.putInt(s.historyFeatures == 0 ? 0 : s.history.length / s.historyFeatures); // capacity
        int stored = s.historyCount * s.historyFeatures;
        b.putInt(stored);
        for (int i = 0; i < stored; i++) {
            b.putFloat(s.history[i]);
        }
        b.put((byte) (pending == null ? 0 : 1));
        if (pending != null) {
            putString(b, pending.specId());
            b.putLong(pending.windowStart()).putLong(pending.windowEnd());
            putFloats(b, pending.values());
        }
        b.putInt(s.evalWidth);
        b.putInt(s.evalOrigins.length);
        for (long o : s.evalOrigins) {
            b.putLong(o);
        }
        for (float v : s.evalValues) {
            b.putFloat(v);
        }
        b.putInt(s.evalNext);
        return b.array();
    }

    /**
     * The state in {@code bytes}.
     *
     * @throws UnreadableStateException of another version, or of a readable one but corrupt
     */
    public static EntityState decode(byte[] bytes) throws UnreadableStateException {
        ByteBuffer b = FORMAT.open(bytes, OLDEST_READ);
        try {
            return decode(StateFormat.versionOf(bytes), b, bytes.length);
        } catch (RuntimeException e) { // cut short, or lengths that do not fit
            throw UnreadableStateException.corrupt(FORMAT, bytes, e);
        }
    }

    private static EntityState decode(int version, ByteBuffer b, int storedBytes) {
        EntityState s = new EntityState();
        s.modelRef = string(b);
        s.steps = b.getLong();
        s.lastWindowStart = b.getLong();
        s.lastInput = b.getLong();
        if (version >= MISSED_FORECASTS_SINCE) {
            s.missedForecasts = b.getInt();
        }
        s.tensors = floats(b);
        s.historySpec = string(b);
        s.historyFeatures = b.getInt();
        s.historyCount = b.getInt();
        if (version == 2) { // the whole ring
            s.history = floats(b);
        } else {
            int capacity = b.getInt();
            s.history = new float[capacity * s.historyFeatures];
            int stored = b.getInt();
            for (int i = 0; i < stored; i++) {
                s.history[i] = b.getFloat();
            }
        }
        if (b.get() == 1) {
            String spec = string(b);
            long start = b.getLong();
            long end = b.getLong();
            s.pending = new EntityState.Pending(spec, start, end, floats(b));
        }
        s.evalWidth = b.getInt();
        int ring = b.getInt();
        s.evalOrigins = new long[ring];
        for (int i = 0; i < ring; i++) {
            s.evalOrigins[i] = b.getLong();
        }
        s.evalValues = new float[ring * s.evalWidth];
        for (int i = 0; i < s.evalValues.length; i++) {
            s.evalValues[i] = b.getFloat();
        }
        s.evalNext = b.getInt();
        s.storedBytes = storedBytes;
        return s;
    }

    /** The last accepted input's window end, read from an encoded state without decoding the rest (the TTL scan). */
    public static long lastInput(byte[] bytes) throws UnreadableStateException {
        ByteBuffer b = FORMAT.open(bytes, OLDEST_READ); // where it lies is the same in every version read
        try {
            return b.getLong(Integer.BYTES + b.getInt(0) + LAST_INPUT_AFTER_REF);
        } catch (RuntimeException e) {
            throw UnreadableStateException.corrupt(FORMAT, bytes, e);
        }
    }

    /**
     * The count of inputs without a forecast, read from an encoded state without decoding the rest
     * (what a deleted state took out of {@code forecaster_stale_entities}); 0 in versions before it.
     */
    public static int missedForecasts(byte[] bytes) throws UnreadableStateException {
        ByteBuffer b = FORMAT.open(bytes, OLDEST_READ);
        if (StateFormat.versionOf(bytes) < MISSED_FORECASTS_SINCE) {
            return 0;
        }
        try {
            return b.getInt(Integer.BYTES + b.getInt(0) + MISSED_FORECASTS_AFTER_REF);
        } catch (RuntimeException e) {
            throw UnreadableStateException.corrupt(FORMAT, bytes, e);
        }
    }

    /** Bytes of a length-prefixed UTF-8 string. */
    private static int stringBytes(String s) {
        return Integer.BYTES + (isAscii(s) ? s.length() : s.getBytes(StandardCharsets.UTF_8).length);
    }

    /** Writes a string as its UTF-8 length and bytes; model refs and spec ids are ASCII, written without a copy. */
    private static void putString(ByteBuffer b, String s) {
        if (!isAscii(s)) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            b.putInt(bytes.length).put(bytes);
            return;
        }
        b.putInt(s.length());
        for (int i = 0; i < s.length(); i++) {
            b.put((byte) s.charAt(i));
        }
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    private static void putFloats(ByteBuffer b, float[] values) {
        b.putInt(values.length);
        for (float v : values) {
            b.putFloat(v);
        }
    }

    private static float[] floats(ByteBuffer b) {
        float[] values = new float[b.getInt()];
        for (int i = 0; i < values.length; i++) {
            values[i] = b.getFloat();
        }
        return values;
    }

    private static String string(ByteBuffer b) {
        byte[] bytes = new byte[b.getInt()];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
