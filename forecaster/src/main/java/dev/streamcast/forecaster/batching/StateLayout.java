package dev.streamcast.forecaster.batching;

import dev.streamcast.contracts.bundle.StateTensor;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Where each of a model's state tensors lies in an entity's packed state ({@code EntityState.tensors()}):
 * the tensors in the manifest's order, a carry as its one entry, a window as its whole ring of
 * {@code entries} entries, oldest first.
 *
 * @param slices one per state tensor, in the manifest's order
 * @param floats the floats of one entity's whole state
 */
public record StateLayout(List<Slice> slices, int floats) {

    /**
     * One state tensor's place in the packed state.
     *
     * @param input      the graph input that reads it: [B, shape...] for a carry, [B, entries, shape...] for a window
     * @param output     the graph output with its update, one entry per entity: [B, shape...]
     * @param offset     its first float in the packed state
     * @param entryFloats floats of one entry
     * @param entries    1 for a carry, the ring length for a window
     */
    public record Slice(String input, String output, int offset, int entryFloats, int entries) {

        /** Floats of this tensor per entity. */
        public int floats() {
            return entryFloats * entries;
        }

        /** Appends this tensor of one entity's packed {@code state} to the graph input. */
        public void pack(float[] state, FloatBuffer input) {
            input.put(state, offset, floats());
        }

        /**
         * Takes one entity's update from the graph output into its packed {@code state}: a carry is
         * replaced, a ring drops its oldest entry and appends the new one.
         */
        public void advance(FloatBuffer output, float[] state) {
            if (entries > 1) {
                System.arraycopy(state, offset + entryFloats, state, offset, (entries - 1) * entryFloats);
            }
            output.get(state, offset + (entries - 1) * entryFloats, entryFloats);
        }
    }

    public StateLayout {
        slices = List.copyOf(slices);
    }

    public static StateLayout of(List<StateTensor> tensors) {
        List<Slice> slices = new ArrayList<>(tensors.size());
        int offset = 0;
        for (StateTensor t : tensors) {
            int entry = (int) t.entryElements();
            int entries = t.kind() == StateTensor.Kind.WINDOW ? t.length() : 1;
            slices.add(new Slice(t.name(), t.outputName(), offset, entry, entries));
            offset += entry * entries;
        }
        return new StateLayout(slices, offset);
    }
}
