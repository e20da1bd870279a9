package dev.streamcast.trainer.onnx;

import dev.streamcast.contracts.bundle.BundleManifest;

/**
 * Graph pieces shared by architectures whose forecast depends on the last few inputs: picking
 * the target channels, and, over a whole sequence, the lagged values each step sees (with zeros
 * before the start, as a fresh window ring holds).
 */
public final class Lags {

    private Lags() {
    }

    /** x [..., F] to its target channels [..., T] along {@code axis}. */
    public static String targets(Graph g, String x, int[] targetIndex, int axis) {
        long[] idx = java.util.Arrays.stream(targetIndex).asLongStream().toArray();
        return g.node("Gather", new String[]{x, g.ints("target_index", idx)}, Graph.Attr.i("axis", axis));
    }

    /**
     * For a sequence v [B, S, T]: out [B, S, J, T] with out[:, s, j] = v[:, s - pad + offsets[j]],
     * zero where that index is negative.
     */
    public static String lagged(Graph g, String v, int pad, long[] offsets) {
        String padded = g.node("Pad", new String[]{v, g.ints("pads", 0, pad, 0, 0, 0, 0)});
        String steps = g.node("Gather", new String[]{g.node("Shape", new String[]{v}), g.scalar("axis1", 1)});
        String s = g.node("Range", new String[]{g.scalar("zero", 0), steps, g.scalar("one", 1)});           // [S]
        String index = g.node("Add", new String[]{
                g.node("Unsqueeze", new String[]{s, g.ints("axes", 1)}),                                   // [S, 1]
                g.node("Unsqueeze", new String[]{g.ints("offsets", offsets), g.ints("axes", 0)})});       // [1, J]
        return g.node("Gather", new String[]{padded, index}, Graph.Attr.i("axis", 1));                   // [B, S, J, T]
    }

    /** The step graph's view of a window ring: the ring [B, L, T] followed by the current entry [B, T]: [B, L + 1, T]. */
    public static String withCurrent(Graph g, String ring, String current) {
        return g.node("Concat", new String[]{ring, g.node("Unsqueeze", new String[]{current, g.ints("axes", 1)})},
                Graph.Attr.i("axis", 1));
    }

    public static String input(Graph g, int features) {
        return g.input(BundleManifest.INPUT, Graph.BATCH, features);
    }

    public static String sequenceInput(Graph g, int features) {
        return g.input(BundleManifest.INPUT, Graph.BATCH, Graph.STEPS, features);
    }
}
