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
        putFloats(b, s.history, stored);
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
        putFloats(b, s.evalValues, s.evalValues.length);
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
            getFloats(b, s.history, b.getInt());
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
        getFloats(b, s.evalValues, s.evalValues.length);
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
        putFloats(b, values, values.length);
    }

    /** The first {@code n} of {@code values}, big-endian, in one bulk copy (a state is mostly floats). */
    private static void putFloats(ByteBuffer b, float[] values, int n) {
        b.asFloatBuffer().put(values, 0, n);
        b.position(b.position() + n * Float.BYTES);
    }

    private static float[] floats(ByteBuffer b) {
        float[] values = new float[b.getInt()];
        getFloats(b, values, values.length);
        return values;
    }

    private static void getFloats(ByteBuffer b, float[] into, int n) {
        b.asFloatBuffer().get(into, 0, n);
        b.position(b.position() + n * Float.BYTES);
    }

    /**
     * Strings decoded lately: a state names its model and spec ids, a handful per instance, so a read
     * takes the same String again instead of a new one per state (which was 8 % of the forecaster's CPU
     * at 10^5 entities). Shared by threads without locks: a racy slot or index costs a miss, never a
     * wrong string (Strings are immutable).
     */
    private static final String[] RECENT = new String[8];
    private static int nextRecent;

    private static String string(ByteBuffer b) {
        int length = b.getInt();
        if (b.hasArray()) {
            byte[] array = b.array();
            int offset = b.arrayOffset() + b.position();
            for (String recent : RECENT) {
                if (recent != null && sameAscii(recent, array, offset, length)) {
                    b.position(b.position() + length);
                    return recent;
                }
            }
        }
        byte[] bytes = new byte[length];
        b.get(bytes);
        String decoded = new String(bytes, StandardCharsets.UTF_8);
        RECENT[nextRecent++ & (RECENT.length - 1)] = decoded;
        return decoded;
    }

    private static boolean sameAscii(String s, byte[] bytes, int offset, int length) {
        if (s.length() != length || offset + length > bytes.length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (c >= 0x80 || c != bytes[offset + i]) {
                return false;
            }
        }
        return true;
    }
}
