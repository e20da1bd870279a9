package dev.streamcast.forecaster.state;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Everything the forecaster keeps per entity (and per served alias) in its changelogged store,
 * so a restart, crash or rebalance resumes exactly where the last commit left off:
 * <ul>
 *   <li>the model state: every carry tensor, then every window ring (oldest entry first), in the
 *       manifest's order, and the model it belongs to with the steps applied under it;</li>
 *   <li>the recent raw inputs (stream units and spec), to warm a new model's state on a swap;</li>
 *   <li>the input waiting for its batch, if any (an input is part of the state from the moment
 *       its offset may be committed);</li>
 *   <li>recent point forecasts at the evaluated horizons, to score them when their actual arrives.</li>
 * </ul>
 * Mutable on purpose: a stream thread reads it, updates it and writes it back.
 */
public final class EntityState {

    private static final byte FORMAT = 1;

    public String modelRef = "";
    public long steps;
    public long lastWindowStart = Long.MIN_VALUE;   // of the last input stepped
    public long lastInput = Long.MIN_VALUE;         // window end of the last input accepted (stepped or pending): the TTL's clock
    public float[] tensors = new float[0];

    public String historySpec = "";
    public int historyFeatures;
    public int historyCount;
    public float[] history = new float[0];     // [capacity, historyFeatures], oldest first

    public Pending pending;

    /** Size of this state as last read from or written to the store; 0 for a new entity. Not stored. */
    public transient int storedBytes;

    public int evalWidth;                       // evaluated horizons x targets
    public long[] evalOrigins = new long[0];    // ring of forecast origins, Long.MIN_VALUE for empty
    public float[] evalValues = new float[0];   // [ring, evalWidth]
    public int evalNext;

    /** An input waiting for its batch. */
    public record Pending(String specId, long windowStart, long windowEnd, long arrivedMillis, float[] values) {
    }

    /** Appends one raw input to the history ring of {@code capacity} entries (spec changes start it over). */
    public void remember(String specId, float[] values, int capacity) {
        if (!specId.equals(historySpec) || values.length != historyFeatures || history.length != capacity * values.length) {
            historySpec = specId;
            historyFeatures = values.length;
            historyCount = 0;
            history = new float[capacity * values.length];
        }
        if (capacity == 0) {
            return;
        }
        if (historyCount == capacity) {
            System.arraycopy(history, historyFeatures, history, 0, (capacity - 1) * historyFeatures);
            historyCount--;
        }
        System.arraycopy(values, 0, history, historyCount * historyFeatures, historyFeatures);
        historyCount++;
    }

    /** The last {@code n} remembered inputs (or all there are), oldest first: [m, historyFeatures]. */
    public float[] recent(int n) {
        int m = Math.min(n, historyCount);
        return Arrays.copyOfRange(history, (historyCount - m) * historyFeatures, historyCount * historyFeatures);
    }

    /** Records the point forecast values at the evaluated horizons for {@code origin}, in a ring of {@code ring}. */
    public void rememberForecast(long origin, float[] values, int ring) {
        if (evalWidth != values.length || evalOrigins.length != ring) {
            evalWidth = values.length;
            evalOrigins = new long[ring];
            Arrays.fill(evalOrigins, Long.MIN_VALUE);
            evalValues = new float[ring * values.length];
            evalNext = 0;
        }
        if (ring == 0) {
            return;
        }
        evalOrigins[evalNext] = origin;
        System.arraycopy(values, 0, evalValues, evalNext * evalWidth, evalWidth);
        evalNext = (evalNext + 1) % ring;
    }

    /** The remembered forecast values made at {@code origin}, or null. */
    public float[] forecastAt(long origin) {
        for (int i = 0; i < evalOrigins.length; i++) {
            if (evalOrigins[i] == origin) {
                return Arrays.copyOfRange(evalValues, i * evalWidth, (i + 1) * evalWidth);
            }
        }
        return null;
    }

    /** Bytes this state takes in the store. */
    public int sizeBytes() {
        return encode().length;
    }

    public byte[] encode() {
        byte[] ref = modelRef.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] spec = historySpec.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] pendingSpec = pending == null ? new byte[0] : pending.specId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int size = 1 + 4 + ref.length + 8 + 8 + 8 + 4 + 4 * tensors.length
                + 4 + spec.length + 4 + 4 + 4 + 4 * history.length
                + 1 + (pending == null ? 0 : 4 + pendingSpec.length + 8 + 8 + 8 + 4 + 4 * pending.values.length)
                + 4 + 4 + 8 * evalOrigins.length + 4 * evalValues.length + 4;
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(FORMAT);
        b.putInt(ref.length).put(ref);
        b.putLong(steps).putLong(lastWindowStart).putLong(lastInput);
        putFloats(b, tensors);
        b.putInt(spec.length).put(spec);
        b.putInt(historyFeatures).putInt(historyCount);
        putFloats(b, history);
        b.put((byte) (pending == null ? 0 : 1));
        if (pending != null) {
            b.putInt(pendingSpec.length).put(pendingSpec);
            b.putLong(pending.windowStart).putLong(pending.windowEnd).putLong(pending.arrivedMillis);
            putFloats(b, pending.values);
        }
        b.putInt(evalWidth);
        b.putInt(evalOrigins.length);
        for (long o : evalOrigins) {
            b.putLong(o);
        }
        for (float v : evalValues) {
            b.putFloat(v);
        }
        b.putInt(evalNext);
        return b.array();
    }

    /** The last accepted input's window end, read from an encoded state without decoding the rest. */
    public static long lastInput(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        b.position(1 + 4 + b.getInt(1) + 8 + 8);
        return b.getLong();
    }

    public static EntityState decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte format = b.get();
        if (format != FORMAT) {
            throw new IllegalStateException("entity state format " + format + " is not " + FORMAT);
        }
        EntityState s = new EntityState();
        s.modelRef = string(b);
        s.steps = b.getLong();
        s.lastWindowStart = b.getLong();
        s.lastInput = b.getLong();
        s.tensors = floats(b);
        s.historySpec = string(b);
        s.historyFeatures = b.getInt();
        s.historyCount = b.getInt();
        s.history = floats(b);
        if (b.get() == 1) {
            String spec = string(b);
            long start = b.getLong();
            long end = b.getLong();
            long arrived = b.getLong();
            s.pending = new Pending(spec, start, end, arrived, floats(b));
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
        return s;
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
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }
}
