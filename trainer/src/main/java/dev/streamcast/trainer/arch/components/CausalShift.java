package dev.streamcast.trainer.arch.components;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import dev.streamcast.trainer.onnx.Graph;

/**
 * A sequence delayed along its time axis (axis 1) with zeros first, as a causal convolution's
 * taps read it (the TCN's dilated taps, Mamba's short conv): the same shift in DJL and ONNX.
 */
public final class CausalShift {

    private CausalShift() {
    }

    /** v [R, S, ...] delayed by {@code by} steps: v_{t - by}, 0 before the start. */
    public static NDArray delayed(NDArray v, long by) {
        long steps = v.getShape().get(1);
        if (by == 0) {
            return v;
        }
        if (by >= steps) {
            return v.zerosLike();
        }
        return v.zerosLike().get(new NDIndex(":, :{}, :", by)).concat(v.get(new NDIndex(":, :{}, :", steps - by)), 1);
    }

    /** The same for v [R, S, C] in a graph, {@code steps} the one-element S. */
    public static String delayed(Graph g, String v, String steps, long by) {
        return g.node("Slice", new String[]{g.node("Pad", new String[]{v, g.ints("pads", 0, by, 0, 0, 0, 0)}),
                g.ints("start", 0), steps, g.ints("axes", 1)});
    }
}
