package dev.streamcast.trainer.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
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
import java.util.Random;

/**
 * Performer (Choromanski et al. 2021): causal attention whose softmax kernel exp(q·k / sqrt d) is
 * approximated by FAVOR+, positive orthogonal random features, so attention over the past is a pair
 * of running sums ({@link DecayedSums}, decayed per head as in linear-attention) and each step costs
 * O(m d). Per layer, pre-norm, on rows u [R, S, C], heads of d = C / 4:
 * <pre>
 *   a = LN_1(u)     q, k, v = a W_Q, a W_K, a W_V         x = q / d^(1/4) (likewise k)
 *   φ(x) = exp(ω x - |x|² / 2) / sqrt m                    ω [m, d]: m = 2d fixed random features
 *   o_t = φ(q_t)^T S_t / (φ(q_t)^T z_t + ε)                S, z: decayed sums of φ(k) v^T and φ(k)
 *   u = u + W_O concat_heads o        u = u + W_2 GELU(W_1 LN_2(u))
 * </pre>
 * ω per layer: blocks of d orthonormal rows (Gram-Schmidt of a Gaussian draw), every row scaled to
 * norm sqrt d (the paper's regularised variant), drawn once from {@code --seed} when the model is
 * built, never trained, and written into both graphs as constants: ω x - |x|²/2 <= |ω|²/2 = d/2, so φ
 * is bounded above by e^(d/2) without a data-dependent stabiliser, and the step graph sees exactly the
 * features the sequence graph and training saw. State: per layer carry {@code S<l>} [heads, m, d] and
 * {@code z<l>} [heads, m], and the window {@code previous}.
 */
public final class Performer implements Architecture {

    static final int HEADS = Attention.HEADS;
    static final float LEARNING_RATE = 1e-3f;

    @Override
    public String name() {
        return "performer";
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        if (options.hidden() % HEADS != 0) {
            throw new IllegalArgumentException("performer needs --hidden divisible by its " + HEADS + " heads, got "
                    + options.hidden());
        }
        return LayerStack.fit(name(), data, options, progress, LEARNING_RATE, true, stack -> new Layers(stack, options.seed()));
    }

    /**
     * ω [m, d] of layer {@code layer}, row-major: m / d blocks of d orthonormal rows, each scaled to norm sqrt d; from
     * {@code new Random(seed * 31 + layer)}, so a seed always draws the same features.
     */
    static float[] orthogonalFeatures(int m, int d, long seed, int layer) {
        Random random = new Random(seed * 31 + layer);
        float[] omega = new float[m * d];
        for (int block = 0; block < m / d; block++) {
            double[][] rows = new double[d][d];
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    rows[i][j] = random.nextGaussian();
                }
                for (int p = 0; p < i; p++) {   // Gram-Schmidt against the rows before
                    double dot = 0;
                    for (int j = 0; j < d; j++) {
                        dot += rows[i][j] * rows[p][j];
                    }
                    for (int j = 0; j < d; j++) {
                        rows[i][j] -= dot * rows[p][j];
                    }
                }
                double norm = 0;
                for (int j = 0; j < d; j++) {
                    norm += rows[i][j] * rows[i][j];
                }
                norm = Math.sqrt(norm);
                for (int j = 0; j < d; j++) {
                    rows[i][j] /= norm;
                    omega[(block * d + i) * d + j] = (float) (rows[i][j] * Math.sqrt(d));
                }
            }
        }
        return omega;
    }

    private static final class Layers implements LayerStack.Layers {
        private final ChangeForecast framing;
        private final List<Attention> layers = new ArrayList<>();
        private final long seed;
        private final int d;
        private final int m;
        /** ω^T [d, m] per layer, row-major. */
        private final List<float[]> omegaT = new ArrayList<>();

        Layers(LayerStack stack, long seed) {
            framing = stack.framing();
            this.seed = seed;
            this.d = stack.channels() / HEADS;
            this.m = 2 * d;
            for (int l = 0; l < stack.depth(); l++) {   // θ [heads]: γ = sigmoid(θ)
                layers.add(new Attention(stack, l, "theta", new Shape(HEADS), (mg, shape, type) -> mg.create(DecayedSums.initialTheta())));
                float[] omega = orthogonalFeatures(m, d, seed, l);
                float[] transposed = new float[d * m];
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < d; j++) {
                        transposed[j * m + i] = omega[i * d + j];
                    }
                }
                omegaT.add(transposed);
            }
        }

        @Override
        public void initialize(NDManager manager, DataType dataType) {
            layers.forEach(layer -> layer.initialize(manager, dataType));
        }

        private float scale() {
            return (float) Math.pow(d, -0.25);
        }

        /** φ of q or k [R, heads, S, d]: [R, heads, S, m]. */
        private NDArray phi(NDArray a, int layer) {
            NDArray x = a.mul(scale());
            NDArray projected = x.matMul(a.getManager().create(omegaT.get(layer), new Shape(d, m)));
            return projected.sub(x.square().sum(new int[]{-1}, true).mul(0.5f)).exp().mul((float) (1 / Math.sqrt(m)));
        }

        private String phi(Graph g, String a, int layer) {
            String x = g.node("Mul", new String[]{a, g.constant("favor_scale", new float[]{scale()})});
            String projected = g.node("MatMul", new String[]{x, g.constant(layers.get(layer).name() + "_omega_T", omegaT.get(layer), d, m)});
            String half = g.node("Mul", new String[]{g.node("ReduceSum", new String[]{g.node("Mul", new String[]{x, x}),
                    g.ints("axes", -1)}, Graph.Attr.i("keepdims", 1)), g.constant("half", new float[]{0.5f})});
            return g.node("Mul", new String[]{g.node("Exp", new String[]{g.node("Sub", new String[]{projected, half})}),
                    g.constant("favor_norm", new float[]{(float) (1 / Math.sqrt(m))})});
        }

        @Override
        public NDArray forward(ParameterStore store, NDArray u, boolean training) {
            for (int l = 0; l < layers.size(); l++) {
                int layer = l;
                u = layers.get(l).forward(store, u, training,
                        (q, k, v, theta) -> DecayedSums.attend(phi(q, layer), phi(k, layer), v, theta));
            }
            return u;
        }

        @Override
        public List<StateTensor> state() {
            return DecayedSums.state(framing, layers.size(), m, d);
        }

        @Override
        public void describe(Map<String, Object> p) {
            p.put("layers", (long) layers.size());
            p.put("heads", (long) HEADS);
            p.put("featureMap", "favor+ positive orthogonal random features");
            p.put("randomFeatures", (long) m);
            p.put("featureSeed", seed);
            p.put("featureDraw", "per layer l: java.util.Random(featureSeed * 31 + l), m / d blocks of d Gaussian rows, "
                    + "Gram-Schmidt, each row scaled to norm sqrt(d); in the graphs as layer<l>_omega_T [d, m]");
        }

        @Override
        public String step(Graph g, String u) {
            for (int l = 0; l < layers.size(); l++) {
                Attention attention = layers.get(l);
                String a = attention.norm(g, u);
                String q = phi(g, attention.heads(g, attention.query(g, a), 1), l);                     // [R, heads, 1, m]
                String k = phi(g, attention.heads(g, attention.key(g, a), 1), l);
                String v = attention.heads(g, attention.value(g, a), 1);                                // [R, heads, 1, d]
                u = attention.residual(g, u, attention.mergeStep(g, DecayedSums.step(g, framing, attention, l, q, k, v, m, d)));
            }
            return u;
        }

        @Override
        public String sequence(Graph g, String u) {
            DecayedSums.Lags lags = DecayedSums.lags(g, framing);
            for (int l = 0; l < layers.size(); l++) {
                Attention attention = layers.get(l);
                String a = attention.norm(g, u);
                String q = phi(g, attention.heads(g, attention.query(g, a), -1), l);                    // [R, heads, S, m]
                String k = phi(g, attention.heads(g, attention.key(g, a), -1), l);
                String v = attention.heads(g, attention.value(g, a), -1);
                u = attention.residual(g, u, attention.mergeSequence(g, DecayedSums.sequence(g, attention, lags, q, k, v)));
            }
            return u;
        }
    }
}
