package dev.streamcast.contracts.bundle;

import java.util.Arrays;

/**
 * One state tensor of a streamable model, per entity, float32.
 * <ul>
 *   <li>{@code CARRY}: the step graph reads input {@code <name>} of shape [B, shape...] and
 *       returns its replacement as output {@code <name>.next} (RNN hidden and cell state,
 *       SSM state, linear-attention running sums).</li>
 *   <li>{@code WINDOW}: the runtime keeps a ring of the last {@code length} entries per entity,
 *       hands the graph input {@code <name>} of shape [B, length, shape...] (oldest first) and
 *       the graph returns only the new entry as output {@code <name>.new} of shape
 *       [B, shape...] (TCN taps, attention key/value cache, DLinear look-back).</li>
 * </ul>
 */
public record StateTensor(String name, Kind kind, int length, int[] shape) {

    public enum Kind { CARRY, WINDOW }

    public StateTensor {
        shape = shape.clone();
    }

    public static StateTensor carry(String name, int... shape) {
        return new StateTensor(name, Kind.CARRY, 0, shape);
    }

    public static StateTensor window(String name, int length, int... shape) {
        return new StateTensor(name, Kind.WINDOW, length, shape);
    }

    /** Float count of one entry (one carry tensor, or one window entry). */
    public long entryElements() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** Bytes this tensor takes per entity: float32, the whole ring for a window. */
    public long bytesPerEntity() {
        return Float.BYTES * entryElements() * (kind == Kind.WINDOW ? length : 1);
    }

    /** The name of the graph output that carries this tensor's update. */
    public String outputName() {
        return name + (kind == Kind.CARRY ? ".next" : ".new");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateTensor t && name.equals(t.name) && kind == t.kind && length == t.length
                && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return kind + " " + name + Arrays.toString(shape) + (kind == Kind.WINDOW ? " x" + length : "");
    }
}
