package dev.streamcast.trainer.arch.components;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import dev.streamcast.trainer.onnx.Graph;

/**
 * Layer normalisation over the last axis (Ba et al. 2016), y = γ (u - mean) / sqrt(var + ε) + β,
 * written out so that the DJL forward and ONNX's {@code LayerNormalization} (opset 17, same ε)
 * compute the same thing: the pre-norm of every attention and state-space layer.
 */
public final class Norm extends AbstractBlock {

    public static final float EPSILON = 1e-5f;

    private final Parameter gamma;
    private final Parameter beta;

    public Norm(int width) {
        super((byte) 1);
        gamma = addParameter(Parameter.builder().setName("gamma").setType(Parameter.Type.GAMMA)
                .optShape(new Shape(width)).optInitializer(Initializer.ONES).build());
        beta = addParameter(Parameter.builder().setName("beta").setType(Parameter.Type.BETA)
                .optShape(new Shape(width)).optInitializer(Initializer.ZEROS).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray u = inputs.singletonOrThrow();
        NDArray centred = u.sub(u.mean(new int[]{-1}, true));
        NDArray normalised = centred.div(centred.square().mean(new int[]{-1}, true).add(EPSILON).sqrt());
        return new NDList(normalised.mul(store.getValue(gamma, u.getDevice(), training))
                .add(store.getValue(beta, u.getDevice(), training)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }

    public NDArray apply(ParameterStore store, NDArray u, boolean training) {
        return forward(store, new NDList(u), training).singletonOrThrow();
    }

    /** The same normalisation of {@code u} [..., width] in ONNX. */
    public String apply(Graph g, String u, String name) {
        return g.node("LayerNormalization", new String[]{u,
                g.constant(name + "_gamma", gamma.getArray().toFloatArray(), gamma.getShape().get(0)),
                g.constant(name + "_beta", beta.getArray().toFloatArray(), beta.getShape().get(0))},
                Graph.Attr.i("axis", -1));
    }
}
