package dev.streamcast.trainer.arch.components;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.streamcast.trainer.onnx.Dense;
import dev.streamcast.trainer.onnx.Graph;

/**
 * The position-wise feed-forward sub-layer of a pre-norm Transformer block, with its residual:
 * <pre>
 *   u' = u + W_2 GELU(W_1 LN(u) + b_1) + b_2        GELU(a) = a/2 (1 + erf(a / sqrt 2))
 * </pre>
 * It acts on each row and step alone, so the step and sequence graphs share its export.
 */
public final class FeedForward extends AbstractBlock {

    private final Norm norm;
    private final Linear w1;
    private final Linear w2;
    private final int width;
    private final float dropout;

    public FeedForward(int width, int inner, float dropout) {
        super((byte) 1);
        this.width = width;
        this.dropout = dropout;
        norm = addChildBlock("norm", new Norm(width));
        w1 = addChildBlock("W_1", Linear.builder().setUnits(inner).build());
        w2 = addChildBlock("W_2", Linear.builder().setUnits(width).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray u = inputs.singletonOrThrow();
        NDArray a = w1.forward(store, new NDList(norm.apply(store, u, training)), training).singletonOrThrow();
        NDArray out = w2.forward(store, new NDList(gelu(a)), training).singletonOrThrow();
        return new NDList(u.add(dropout(out, dropout, training)));
    }

    public NDArray apply(ParameterStore store, NDArray u, boolean training) {
        return forward(store, new NDList(u), training).singletonOrThrow();
    }

    /** The same sub-layer on {@code u} [..., width] in ONNX. */
    public String apply(Graph g, String u, String name) {
        String a = Dense.apply(g, norm.apply(g, u, name + "_norm"), w1, name + "_W_1");
        return g.node("Add", new String[]{u, Dense.apply(g, gelu(g, a), w2, name + "_W_2")});
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        norm.initialize(manager, dataType, new Shape(1, width));
        w1.initialize(manager, dataType, new Shape(1, width));
        w2.initialize(manager, dataType, w1.getOutputShapes(new Shape[]{new Shape(1, width)}));
    }

    /** Dropout on a residual branch while training; the identity otherwise. */
    public static NDArray dropout(NDArray a, float rate, boolean training) {
        return training && rate > 0 ? Dropout.dropout(a, rate, true).singletonOrThrow() : a;
    }

    public static NDArray gelu(NDArray a) {
        return a.mul(0.5f).mul(a.div((float) Math.sqrt(2)).erf().add(1f));
    }

    public static String gelu(Graph g, String a) {
        String erf = g.node("Erf", new String[]{g.node("Div", new String[]{a, g.constant("sqrt2", new float[]{(float) Math.sqrt(2)})})});
        return g.node("Mul", new String[]{g.node("Mul", new String[]{a, g.constant("half", new float[]{0.5f})}),
                g.node("Add", new String[]{erf, g.constant("one", new float[]{1f})})});
    }
}
