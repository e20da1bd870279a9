package dev.streamcast.trainer.arch.components;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import ai.onnx.proto.OnnxMl;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.onnx.Graph;

import java.util.ArrayList;
import java.util.List;

/**
 * Kernelised attention with decayed running sums, whatever the feature map φ (elu + 1 for
 * linear-attention, FAVOR+'s positive random features for performer), per head of an
 * {@link Attention} layer whose parameter is θ [heads], γ = sigmoid(θ):
 * <pre>
 *   S_t = γ S_{t-1} + φ(k_t) v_t^T   [m, d]     z_t = γ z_{t-1} + φ(k_t)   [m]
 *   o_t = φ(q_t)^T S_t / (φ(q_t)^T z_t + ε)
 * </pre>
 * Training and the sequence graph use the equivalent attention form,
 * o_t = Σ_{s<=t} γ^{t-s} (φ(q_t)·φ(k_s)) v_s / (Σ_{s<=t} γ^{t-s} (φ(q_t)·φ(k_s)) + ε); the step graph the
 * recurrent one, the sums S and z carried per layer. Without the decay a stream's sums would average
 * its whole history, unlike the L-step windows the model was trained on.
 */
public final class DecayedSums {

    public static final int HEADS = Attention.HEADS;
    public static final float EPSILON = 1e-6f;

    private DecayedSums() {
    }

    /** Decays at several time scales to start from: γ_h = 1 - 2^-(3 + h), 0.875 to 0.984 for four heads. */
    public static float[] initialTheta() {
        float[] theta = new float[HEADS];
        for (int h = 0; h < HEADS; h++) {
            double gamma = 1 - Math.pow(2, -(3 + h));
            theta[h] = (float) Math.log(gamma / (1 - gamma));
        }
        return theta;
    }

    /** log γ [heads] of a layer as trained, for the graphs: log sigmoid(θ). */
    private static float[] logGamma(Attention layer) {
        float[] theta = layer.parameterValues();
        float[] log = new float[theta.length];
        for (int h = 0; h < theta.length; h++) {
            log[h] = (float) -Math.log1p(Math.exp(-theta[h]));
        }
        return log;
    }

    /** γ_h^(t-s) for s <= t, else 0: [heads, S, S]. */
    private static NDArray decay(NDArray theta, long steps) {
        NDManager manager = theta.getManager();
        NDArray t = manager.arange(0f, (float) steps).reshape(steps, 1);
        NDArray offsets = t.sub(t.reshape(1, steps));                                     // [S, S]: t - s
        NDArray causal = offsets.gte(0f).toType(DataType.FLOAT32, false);
        NDArray logGamma = Activation.softPlus(theta.neg()).neg().reshape(HEADS, 1, 1);    // log sigmoid(θ)
        return offsets.maximum(0f).expandDims(0).mul(logGamma).exp().mul(causal);
    }

    /** The attention form over φ(q), φ(k) [R, heads, S, m] and v [R, heads, S, d] with θ [heads]: o [R, heads, S, d]. */
    public static NDArray attend(NDArray fq, NDArray fk, NDArray v, NDArray theta) {
        NDArray weights = fq.matMul(fk.transpose(0, 1, 3, 2)).mul(decay(theta, fq.getShape().get(2)));   // [R, heads, S, S]
        return weights.matMul(v).div(weights.sum(new int[]{-1}, true).add(EPSILON));
    }

    /** The carried sums of {@code layers} layers with m features per head of width d: {@code S<l>}, {@code z<l>}. */
    public static List<StateTensor> state(ChangeForecast framing, int layers, int m, int d) {
        List<StateTensor> state = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            state.add(framing.carry("S" + l, HEADS, m, d));
            state.add(framing.carry("z" + l, HEADS, m));
        }
        return state;
    }

    /**
     * One step of layer {@code l} in the step graph: φ(q), φ(k) [R, heads, 1, m] and v [R, heads, 1, d], the sums read
     * from and written to the carries {@code S<l>}, {@code z<l>}; o [R, heads, 1, d].
     */
    public static String step(Graph g, ChangeForecast framing, Attention attention, int l, String fq, String fk, String v,
                              int m, int d) {
        String gamma = g.node("Exp", new String[]{g.constant(attention.name() + "_log_gamma", logGamma(attention), HEADS, 1, 1)});
        String s = g.node("Add", new String[]{
                g.node("Mul", new String[]{gamma, framing.carryIn(g, "S" + l, HEADS, m, d)}),
                g.node("MatMul", new String[]{g.node("Transpose", new String[]{fk}, Graph.Attr.ints("perm", 0, 1, 3, 2)), v})});
        String z = g.node("Add", new String[]{
                g.node("Mul", new String[]{gamma, g.node("Unsqueeze", new String[]{framing.carryIn(g, "z" + l, HEADS, m),
                        g.ints("axes", 2)})}), fk});                                                             // [R, heads, 1, m]
        framing.carryOut(g, s, "S" + l, HEADS, m, d);
        framing.carryOut(g, g.node("Squeeze", new String[]{z, g.ints("axes", 2)}), "z" + l, HEADS, m);
        String numerator = g.node("MatMul", new String[]{fq, s});                                                 // [R, heads, 1, d]
        String denominator = g.node("ReduceSum", new String[]{g.node("Mul", new String[]{fq, z}), g.ints("axes", -1)},
                Graph.Attr.i("keepdims", 1));                                                                     // [R, heads, 1, 1]
        return g.node("Div", new String[]{numerator,
                g.node("Add", new String[]{denominator, g.constant("epsilon", new float[]{EPSILON})})});
    }

    /** The causal lags of a sequence graph, shared by its layers. */
    public record Lags(String lag, String causal) {
    }

    /** lag = relu(t - s) [1, S, S] and causal = (t >= s) [S, S] for the sequence of {@code x}. */
    public static Lags lags(Graph g, ChangeForecast framing) {
        String s = g.node("Cast", new String[]{g.node("Range", new String[]{g.scalar("zero", 0),
                g.node("Squeeze", new String[]{framing.steps(g), g.ints("axes", 0)}), g.scalar("step", 1)})},
                Graph.Attr.i("to", OnnxMl.TensorProto.DataType.FLOAT.getNumber()));                 // [S]
        String offsets = g.node("Sub", new String[]{g.node("Unsqueeze", new String[]{s, g.ints("axes", 1)}),
                g.node("Unsqueeze", new String[]{s, g.ints("axes", 0)})});                            // [S, S]: t - s
        String causal = g.node("Cast", new String[]{g.node("GreaterOrEqual", new String[]{offsets,
                g.constant("zero_f", new float[]{0f})})}, Graph.Attr.i("to", OnnxMl.TensorProto.DataType.FLOAT.getNumber()));
        String lag = g.node("Unsqueeze", new String[]{g.node("Relu", new String[]{offsets}), g.ints("axes", 0)}); // [1, S, S]
        return new Lags(lag, causal);
    }

    /** The attention form of one layer in the sequence graph: φ(q), φ(k) [R, heads, S, m], v [R, heads, S, d] to o. */
    public static String sequence(Graph g, Attention attention, Lags lags, String fq, String fk, String v) {
        String decay = g.node("Mul", new String[]{g.node("Exp", new String[]{g.node("Mul", new String[]{lags.lag(),
                g.constant(attention.name() + "_log_gamma", logGamma(attention), HEADS, 1, 1)})}), lags.causal()});  // [heads, S, S]
        String weights = g.node("Mul", new String[]{g.node("MatMul", new String[]{fq,
                g.node("Transpose", new String[]{fk}, Graph.Attr.ints("perm", 0, 1, 3, 2))}), decay});  // [R, heads, S, S]
        String denominator = g.node("ReduceSum", new String[]{weights, g.ints("axes", -1)}, Graph.Attr.i("keepdims", 1));
        return g.node("Div", new String[]{g.node("MatMul", new String[]{weights, v}),
                g.node("Add", new String[]{denominator, g.constant("epsilon", new float[]{EPSILON})})});
    }
}
