package dev.streamcast.trainer.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.arch.components.Attention;
import dev.streamcast.trainer.arch.components.ChangeForecast;
import dev.streamcast.trainer.arch.components.DecayedSums;
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
 * The sums, their attention form for training and the sequence graph, and their recurrent form
 * for the step graph are {@link DecayedSums}'. State: per layer carry {@code S<l>} [heads, d, d]
 * and {@code z<l>} [heads, d], the same size whatever the sequence length; and the window {@code previous}.
 */
public final class LinearAttention implements Architecture {

    static final int HEADS = Attention.HEADS;
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

    static NDArray phi(NDArray a) {
        return Activation.elu(a, 1f).add(1f);
    }

    private static String phi(Graph g, String a) {
        return g.node("Add", new String[]{g.node("Elu", new String[]{a}), g.constant("one", new float[]{1f})});
    }

    private static final class Layers implements LayerStack.Layers {
        private final ChangeForecast framing;
        private final List<Attention> layers = new ArrayList<>();

        Layers(LayerStack stack) {
            framing = stack.framing();
            for (int l = 0; l < stack.depth(); l++) {   // θ [heads]: γ = sigmoid(θ)
                layers.add(new Attention(stack, l, "theta", new Shape(HEADS), (m, shape, type) -> m.create(DecayedSums.initialTheta())));
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
                u = layer.forward(store, u, training, (q, k, v, theta) -> DecayedSums.attend(phi(q), phi(k), v, theta));
            }
            return u;
        }

        @Override
        public List<StateTensor> state() {
            return DecayedSums.state(framing, layers.size(), d(), d());
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
                u = attention.residual(g, u, attention.mergeStep(g, DecayedSums.step(g, framing, attention, l, q, k, v, d, d)));
            }
            return u;
        }

        @Override
        public String sequence(Graph g, String u) {
            DecayedSums.Lags lags = DecayedSums.lags(g, framing);
            for (Attention attention : layers) {
                String a = attention.norm(g, u);
                String q = attention.heads(g, phi(g, attention.query(g, a)), -1);                       // [R, heads, S, d]
                String k = attention.heads(g, phi(g, attention.key(g, a)), -1);
                String v = attention.heads(g, attention.value(g, a), -1);
                u = attention.residual(g, u, attention.mergeSequence(g, DecayedSums.sequence(g, attention, lags, q, k, v)));
            }
            return u;
        }
    }
}
