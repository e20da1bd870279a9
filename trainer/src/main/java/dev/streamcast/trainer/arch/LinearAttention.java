package dev.streamcast.trainer.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.onnx.proto.OnnxMl;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.arch.components.Attention;
import dev.streamcast.trainer.arch.components.ChangeForecast;
import dev.streamcast.trainer.arch.components.LayerStack;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.onnx.Graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Kernelised causal attention ("Transformers are RNNs", Katharopoulos et al. 2020): the softmax
 * kernel is replaced by a positive feature map φ(a) = elu(a) + 1, so attention over the past is
 * a pair of running sums and each step costs O(1). The sums decay by a learned γ_h per head (as in
 * RetNet and gated linear attention): without it, a stream's sums would average its whole history,
 * unlike the L-step windows the model was trained on. Per layer, pre-norm, on rows u [R, S, C]:
 * <pre>
 *   a = LN_1(u)     q = φ(a W_Q), k = φ(a W_K), v = a W_V   (n_heads heads of d = C / n_heads)
 *   S_t = γ S_{t-1} + k_t v_t^T   [d, d]      z_t = γ z_{t-1} + k_t   [d]      γ = sigmoid(θ)
 *   o_t = q_t^T S_t / (q_t^T z_t + ε)
 *   u = u + W_O concat_heads o        u = u + W_2 GELU(W_1 LN_2(u))
 * </pre>
 * Training and the sequence graph use the equivalent attention form,
 * o_t = Σ_{s<=t} γ^{t-s} (q_t·k_s) v_s / Σ_{s<=t} γ^{t-s} (q_t·k_s); the step graph the recurrent one.
 * State: per layer carry {@code S<l>} [heads, d, d] and {@code z<l>} [heads, d], the same size
 * whatever the sequence length; and the window {@code previous}.
 */
public final class LinearAttention implements Architecture {

    static final int HEADS = Attention.HEADS;
    static final float EPSILON = 1e-6f;
    static final float LEARNING_RATE = 1e-3f;

    @Override
    public String name() {
        return "linear-attention";
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        if (options.hidden() % HEADS != 0) {
            throw new IllegalArgumentException("linear-attention needs --hidden divisible by its " + HEADS + " heads, got "
                    + options.hidden());
        }
        return LayerStack.fit(name(), data, options, progress, LEARNING_RATE, true, Layers::new);
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

    /** Decays at several time scales to start from: γ_h = 1 - 2^-(3 + h), 0.875 to 0.984 for four heads. */
    static float[] initialTheta() {
        float[] theta = new float[HEADS];
        for (int h = 0; h < HEADS; h++) {
            double gamma = 1 - Math.pow(2, -(3 + h));
            theta[h] = (float) Math.log(gamma / (1 - gamma));
        }
        return theta;
    }

    static NDArray phi(NDArray a) {
        return Activation.elu(a, 1f).add(1f);
    }

    private static String phi(Graph g, String a) {
        return g.node("Add", new String[]{g.node("Elu", new String[]{a}), g.constant("one", new float[]{1f})});
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

    private static final class Layers implements LayerStack.Layers {
        private final ChangeForecast framing;
        private final List<Attention> layers = new ArrayList<>();

        Layers(LayerStack stack) {
            framing = stack.framing();
            for (int l = 0; l < stack.depth(); l++) {   // θ [heads]: γ = sigmoid(θ)
                layers.add(new Attention(stack, l, "theta", new Shape(HEADS), (m, shape, type) -> m.create(initialTheta())));
            }
        }

        @Override
        public void initialize(NDManager manager, DataType dataType) {
            layers.forEach(layer -> layer.initialize(manager, dataType));
        }

        private int d() {
            return layers.get(0).headWidth();
        }

        @Override
        public NDArray forward(ParameterStore store, NDArray u, boolean training) {
            for (Attention layer : layers) {
                u = layer.forward(store, u, training, Layers::attend);
            }
            return u;
        }

        /** The attention form over q, k, v [R, heads, S, d] with θ [heads]: o [R, heads, S, d]. */
        private static NDArray attend(NDArray q, NDArray k, NDArray v, NDArray theta) {
            NDArray weights = phi(q).matMul(phi(k).transpose(0, 1, 3, 2)).mul(decay(theta, q.getShape().get(2))); // [R, heads, S, S]
            return weights.matMul(v).div(weights.sum(new int[]{-1}, true).add(EPSILON));
        }

        @Override
        public List<StateTensor> state() {
            List<StateTensor> state = new ArrayList<>();
            for (int l = 0; l < layers.size(); l++) {
                state.add(framing.carry("S" + l, HEADS, d(), d()));
                state.add(framing.carry("z" + l, HEADS, d()));
            }
            return state;
        }

        @Override
        public void describe(Map<String, Object> p) {
            p.put("layers", (long) layers.size());
            p.put("heads", (long) HEADS);
            p.put("featureMap", "elu+1");
        }

        @Override
        public String step(Graph g, String u) {
            int d = d();
            for (int l = 0; l < layers.size(); l++) {
                Attention attention = layers.get(l);
                String a = attention.norm(g, u);
                String q = attention.heads(g, phi(g, attention.query(g, a)), 1);                        // [R, heads, 1, d]
                String k = attention.heads(g, phi(g, attention.key(g, a)), 1);
                String v = attention.heads(g, attention.value(g, a), 1);
                String gamma = g.node("Exp", new String[]{g.constant(attention.name() + "_log_gamma", logGamma(attention), HEADS, 1, 1)});
                String s = g.node("Add", new String[]{
                        g.node("Mul", new String[]{gamma, framing.carryIn(g, "S" + l, HEADS, d, d)}),
                        g.node("MatMul", new String[]{g.node("Transpose", new String[]{k}, Graph.Attr.ints("perm", 0, 1, 3, 2)), v})});
                String z = g.node("Add", new String[]{
                        g.node("Mul", new String[]{gamma, g.node("Unsqueeze", new String[]{framing.carryIn(g, "z" + l, HEADS, d),
                                g.ints("axes", 2)})}), k});                                                          // [R, heads, 1, d]
                framing.carryOut(g, s, "S" + l, HEADS, d, d);
                framing.carryOut(g, g.node("Squeeze", new String[]{z, g.ints("axes", 2)}), "z" + l, HEADS, d);
                String numerator = g.node("MatMul", new String[]{q, s});                                             // [R, heads, 1, d]
                String denominator = g.node("ReduceSum", new String[]{g.node("Mul", new String[]{q, z}), g.ints("axes", -1)},
                        Graph.Attr.i("keepdims", 1));                                                                // [R, heads, 1, 1]
                String o = g.node("Div", new String[]{numerator,
                        g.node("Add", new String[]{denominator, g.constant("epsilon", new float[]{EPSILON})})});
                u = attention.residual(g, u, attention.mergeStep(g, o));
            }
            return u;
        }

        @Override
        public String sequence(Graph g, String u) {
            String s = g.node("Cast", new String[]{g.node("Range", new String[]{g.scalar("zero", 0),
                    g.node("Squeeze", new String[]{framing.steps(g), g.ints("axes", 0)}), g.scalar("step", 1)})},
                    Graph.Attr.i("to", OnnxMl.TensorProto.DataType.FLOAT.getNumber()));                 // [S]
            String offsets = g.node("Sub", new String[]{g.node("Unsqueeze", new String[]{s, g.ints("axes", 1)}),
                    g.node("Unsqueeze", new String[]{s, g.ints("axes", 0)})});                            // [S, S]: t - s
            String causal = g.node("Cast", new String[]{g.node("GreaterOrEqual", new String[]{offsets,
                    g.constant("zero_f", new float[]{0f})})}, Graph.Attr.i("to", OnnxMl.TensorProto.DataType.FLOAT.getNumber()));
            String lag = g.node("Unsqueeze", new String[]{g.node("Relu", new String[]{offsets}), g.ints("axes", 0)}); // [1, S, S]
            for (Attention attention : layers) {
                String a = attention.norm(g, u);
                String q = attention.heads(g, phi(g, attention.query(g, a)), -1);                       // [R, heads, S, d]
                String k = attention.heads(g, phi(g, attention.key(g, a)), -1);
                String v = attention.heads(g, attention.value(g, a), -1);
                String decay = g.node("Mul", new String[]{g.node("Exp", new String[]{g.node("Mul", new String[]{lag,
                        g.constant(attention.name() + "_log_gamma", logGamma(attention), HEADS, 1, 1)})}), causal});  // [heads, S, S]
                String weights = g.node("Mul", new String[]{g.node("MatMul", new String[]{q,
                        g.node("Transpose", new String[]{k}, Graph.Attr.ints("perm", 0, 1, 3, 2))}), decay});  // [R, heads, S, S]
                String denominator = g.node("ReduceSum", new String[]{weights, g.ints("axes", -1)}, Graph.Attr.i("keepdims", 1));
                String o = g.node("Div", new String[]{g.node("MatMul", new String[]{weights, v}),
                        g.node("Add", new String[]{denominator, g.constant("epsilon", new float[]{EPSILON})})});
                u = attention.residual(g, u, attention.mergeSequence(g, o));
            }
            return u;
        }
    }
}
