package dev.streamcast.trainer.arch.components;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import dev.streamcast.trainer.onnx.Dense;
import dev.streamcast.trainer.onnx.Graph;

import java.util.List;

/**
 * What a pre-norm multi-head attention layer of a {@link LayerStack} is built of, whatever its
 * attention, on rows u [R, S, C] in {@link #HEADS} heads of d = C / heads:
 * <pre>
 *   a = LN_1(u)      q, k, v = a W_Q, a W_K, a W_V
 *   u = u + W_O concat_heads o(q, k, v)        u = u + W_2 GELU(W_1 LN_2(u))
 * </pre>
 * The architecture supplies o, how the values are mixed over the past (softmax over a window,
 * decayed running sums), and the one parameter per layer that mixing reads (a relative position
 * bias, decay rates). Layer l registers its blocks on the stack as {@code layer<l>_LN_1},
 * {@code _W_Q}, {@code _W_K}, {@code _W_V}, {@code _W_O} and {@code _FFN}, its parameter as
 * {@code layer<l>_<name>}.
 */
public final class Attention {

    public static final int HEADS = 4;

    /** o over the heads q, k, v [R, heads, S, d] with the layer's parameter as trained: [R, heads, S, d]. */
    @FunctionalInterface
    public interface Mixing {
        NDArray attend(NDArray q, NDArray k, NDArray v, NDArray parameter);
    }

    /** A branch beside the mixing, reading the same a = LN_1(u) [R, S, C]; its output [R, S, C] (null: none) joins the residual. */
    @FunctionalInterface
    public interface Beside {
        NDArray apply(NDArray a);
    }

    private final String name;
    private final int channels;
    private final float dropout;
    private final Norm norm;
    private final Linear wQ;
    private final Linear wK;
    private final Linear wV;
    private final Linear wO;
    private final Parameter parameter;
    private final FeedForward feedForward;

    /** Layer {@code l} of the stack, with its mixing parameter {@code layer<l>_<parameter>}. */
    public Attention(LayerStack stack, int l, String parameter, Shape shape, Initializer initializer) {
        name = "layer" + l;
        channels = stack.channels();
        dropout = stack.dropout();
        norm = stack.add(name + "_LN_1", new Norm(channels));
        wQ = stack.add(name + "_W_Q", Linear.builder().setUnits(channels).build());
        wK = stack.add(name + "_W_K", Linear.builder().setUnits(channels).build());
        wV = stack.add(name + "_W_V", Linear.builder().setUnits(channels).build());
        wO = stack.add(name + "_W_O", Linear.builder().setUnits(channels).build());
        this.parameter = stack.parameter(name + "_" + parameter, shape, initializer);
        feedForward = stack.add(name + "_FFN", new FeedForward(channels, 2 * channels, dropout));
    }

    /** "layer<l>", the prefix of the layer's names. */
    public String name() {
        return name;
    }

    /** d, the width of a head. */
    public int headWidth() {
        return channels / HEADS;
    }

    /** The mixing parameter as trained, row-major, for the graphs. */
    public float[] parameterValues() {
        return parameter.getArray().toFloatArray();
    }

    public void initialize(NDManager manager, DataType dataType) {
        Shape row = new Shape(1, channels);
        for (Block b : List.<Block>of(norm, wQ, wK, wV, wO, feedForward)) {
            b.initialize(manager, dataType, row);
        }
    }

    // ---- DJL

    /** The whole layer on u [R, S, C], its values mixed by {@code mixing}. */
    public NDArray forward(ParameterStore store, NDArray u, boolean training, Mixing mixing) {
        return forward(store, u, training, mixing, null);
    }

    /** The same with a branch {@code beside} the mixing (null: none): u + W_O o + beside(a), then the feed-forward. */
    public NDArray forward(ParameterStore store, NDArray u, boolean training, Mixing mixing, Beside beside) {
        long rows = u.getShape().get(0);
        long steps = u.getShape().get(1);
        NDArray a = norm.apply(store, u, training);
        NDArray o = mixing.attend(heads(linear(store, wQ, a, training)), heads(linear(store, wK, a, training)),
                heads(linear(store, wV, a, training)), BatchScope.of(u, store.getValue(parameter, u.getDevice(), training)));
        NDArray merged = o.transpose(0, 2, 1, 3).reshape(rows, steps, channels);
        u = u.add(FeedForward.dropout(linear(store, wO, merged, training), dropout, training));
        NDArray branch = beside == null ? null : beside.apply(a);
        if (branch != null) {
            u = u.add(FeedForward.dropout(branch, dropout, training));
        }
        return feedForward.apply(store, u, training);
    }

    /** [R, S, C] to [R, heads, S, d]. */
    private NDArray heads(NDArray a) {
        Shape s = a.getShape();
        return a.reshape(s.get(0), s.get(1), HEADS, channels / HEADS).transpose(0, 2, 1, 3);
    }

    private static NDArray linear(ParameterStore store, Linear layer, NDArray a, boolean training) {
        return layer.forward(store, new NDList(a), training).singletonOrThrow();
    }

    // ---- ONNX

    /** a = LN_1(u). */
    public String norm(Graph g, String u) {
        return norm.apply(g, u, name + "_LN_1");
    }

    public String query(Graph g, String a) {
        return Dense.apply(g, a, wQ, name + "_W_Q");
    }

    public String key(Graph g, String a) {
        return Dense.apply(g, a, wK, name + "_W_K");
    }

    public String value(Graph g, String a) {
        return Dense.apply(g, a, wV, name + "_W_V");
    }

    /** a [R, ..., C] to [R, heads, ..., d] for rows of {@code length} positions (-1: the sequence's). */
    public String heads(Graph g, String a, long length) {
        String split = g.node("Reshape", new String[]{a, g.ints("shape", 0, length, HEADS, headWidth())});
        return g.node("Transpose", new String[]{split}, Graph.Attr.ints("perm", 0, 2, 1, 3));
    }

    /** o [R, heads, 1, d] of a step as [R, C]. */
    public String mergeStep(Graph g, String o) {
        return g.node("Reshape", new String[]{o, g.ints("shape", 0, channels)});
    }

    /** o [R, heads, S, d] of a sequence as [R, S, C]. */
    public String mergeSequence(Graph g, String o) {
        return g.node("Reshape", new String[]{g.node("Transpose", new String[]{o}, Graph.Attr.ints("perm", 0, 2, 1, 3)),
                g.ints("shape", 0, 0, channels)});
    }

    /** u + W_O merged, then the feed-forward sub-layer: the layer's output. */
    public String residual(Graph g, String u, String merged) {
        String attended = g.node("Add", new String[]{u, Dense.apply(g, merged, wO, name + "_W_O")});
        return feedForward.apply(g, attended, name + "_FFN");
    }
}
