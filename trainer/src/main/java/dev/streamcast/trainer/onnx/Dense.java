package dev.streamcast.trainer.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;

/** A trained DJL {@link Linear} as ONNX constants: y = x W^T + b becomes MatMul(x, W^T) + b. */
public final class Dense {

    private Dense() {
    }

    /** The parameter's values, row-major. */
    public static float[] parameter(Block block, String name) {
        return block.getParameters().get(name).getArray().toFloatArray();
    }

    /**
     * Adds W^T [in, out] and b [out] of {@code layer} to the graph and applies them to {@code input} [..., in];
     * a layer built without a bias is the MatMul alone.
     */
    public static String apply(Graph g, String input, Linear layer, String name) {
        NDArray weight = layer.getParameters().get("weight").getArray();              // [out, in]
        int out = (int) weight.getShape().get(0);
        int in = (int) weight.getShape().get(1);
        float[] w = weight.toFloatArray();
        float[] wt = new float[w.length];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                wt[i * out + o] = w[o * in + i];
            }
        }
        String product = g.node("MatMul", new String[]{input, g.constant(name + "_w", wt, in, out)});
        if (layer.getParameters().get("bias") == null) {
            return product;
        }
        return g.node("Add", new String[]{product, g.constant(name + "_b", parameter(layer, "bias"), out)});
    }
}
