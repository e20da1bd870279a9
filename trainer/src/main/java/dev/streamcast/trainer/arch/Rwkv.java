package dev.streamcast.trainer.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.onnx.proto.OnnxMl;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.arch.components.BatchScope;
import dev.streamcast.trainer.arch.components.CausalShift;
import dev.streamcast.trainer.arch.components.ChangeForecast;
import dev.streamcast.trainer.arch.components.FeedForward;
import dev.streamcast.trainer.arch.components.LayerStack;
import dev.streamcast.trainer.arch.components.Norm;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.onnx.Dense;
import dev.streamcast.trainer.onnx.Graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * RWKV (Peng et al. 2023, RWKV-4): attention-free time-mixing with a learned decay w_c > 0 per
 * channel and a bonus u_c for the current token, then channel-mixing, both reading a token shift
 * (the mix of this step's and the previous step's input). Per layer, pre-norm, on rows u [R, S, C]:
 * <pre>
 *   a = LN_1(u)    a'_t = μ a_t + (1 - μ) a_{t-1}  (μ_k, μ_v, μ_r per channel)
 *   k, v, r = W_k a'_k, W_v a'_v, sigmoid(W_r a'_r)
 *   wkv_t = (Σ_{i<t} e^{-(t-1-i) w + k_i} v_i + e^{u + k_t} v_t) / (Σ_{i<t} e^{-(t-1-i) w + k_i} + e^{u + k_t})
 *   u = u + W_o (r ⊙ wkv)
 *   b = LN_2(u)    u = u + sigmoid(W_r' b'_r) ⊙ W_v' relu(W_k' b'_k)²
 * </pre>
 * Training and the sequence graph compute wkv in parallel: exponents relative to each row's
 * largest k over the sequence (a constant per row and channel, so it cancels), the decayed past as a
 * [C, S, S] matrix product. The step graph runs the recurrent form with the numerator, the
 * denominator and their running exponent p as carry state (RWKV-4's overflow-safe recurrence):
 * <pre>
 *   q = max(p, u + k)     wkv = (e^{p-q} num + e^{u+k-q} v) / (e^{p-q} den + e^{u+k-q})
 *   p' = max(p - w, k)    num' = e^{p-w-p'} num + e^{k-p'} v     den' = e^{p-w-p'} den + e^{k-p'}
 * </pre>
 * A fresh (zero) state is num = den = 0 with p = 0: the same numbers. State per layer: carry
 * {@code num<l>}, {@code den<l>}, {@code p<l>} [C] and a window {@code shift<l>} of 1 entry [2C] (a_{t-1},
 * b_{t-1} for the token shifts); the window {@code previous}.
 */
public final class Rwkv implements Architecture {

    static final float LEARNING_RATE = 1e-3f;

    @Override
    public String name() {
        return "rwkv";
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        return LayerStack.fit(name(), data, options, progress, LEARNING_RATE, true, Layers::new);
    }

    private static final class Layer {
        final String name;
        final Norm norm1;
        final Parameter timeMix;      // [3, C]: μ_k, μ_v, μ_r
        final Parameter decay;        // [C]: w = exp(decay)
        final Parameter bonus;        // [C]: u
        final Linear wK;
        final Linear wV;
        final Linear wR;
        final Linear wO;
        final Norm norm2;
        final Parameter channelMix;   // [2, C]: μ'_k, μ'_r
        final Linear cK;              // C to 2C
        final Linear cV;              // 2C to C
        final Linear cR;

        Layer(LayerStack stack, int l, int channels) {
            name = "layer" + l;
            int layers = stack.depth();
            double depth = layers > 1 ? (double) l / (layers - 1) : 0;    // 0 at the first layer, 1 at the last
            double toTop = 1 - (double) l / layers;
            norm1 = stack.add(name + "_LN_1", new Norm(channels));
            timeMix = stack.parameter(name + "_time_mix", new Shape(3, channels), (m, shape, type) -> {
                float[] mu = new float[3 * channels];   // RWKV-4: (c / C)^(1 - l / layers), more of the past at lower c
                for (int c = 0; c < channels; c++) {
                    float base = (float) Math.pow((double) c / channels, toTop);
                    mu[c] = base;
                    mu[channels + c] = Math.min(1f, base + 0.3f * (float) depth);
                    mu[2 * channels + c] = (float) Math.pow((double) c / channels, 0.5 * toTop);
                }
                return m.create(mu, shape);
            });
            decay = stack.parameter(name + "_decay", new Shape(channels), (m, shape, type) -> {
                float[] w = new float[channels];       // log w from -5 to 3 over the channels: memories of many lengths
                for (int c = 0; c < channels; c++) {
                    w[c] = (float) (-5 + 8 * Math.pow((double) c / Math.max(1, channels - 1), 0.7 + 1.3 * depth));
                }
                return m.create(w);
            });
            bonus = stack.parameter(name + "_bonus", new Shape(channels), (m, shape, type) -> {
                float[] u = new float[channels];
                for (int c = 0; c < channels; c++) {
                    u[c] = (float) (Math.log(0.3) + 0.5 * ((c + 1) % 3 - 1));
                }
                return m.create(u);
            });
            wK = stack.add(name + "_W_k", Linear.builder().setUnits(channels).optBias(false).build());
            wV = stack.add(name + "_W_v", Linear.builder().setUnits(channels).optBias(false).build());
            wR = stack.add(name + "_W_r", Linear.builder().setUnits(channels).optBias(false).build());
            wO = stack.add(name + "_W_o", Linear.builder().setUnits(channels).optBias(false).build());
            norm2 = stack.add(name + "_LN_2", new Norm(channels));
            channelMix = stack.parameter(name + "_channel_mix", new Shape(2, channels), (m, shape, type) -> {
                float[] mu = new float[2 * channels];
                for (int c = 0; c < channels; c++) {
                    mu[c] = (float) Math.pow((double) c / channels, toTop);
                    mu[channels + c] = mu[c];
                }
                return m.create(mu, shape);
            });
            cK = stack.add(name + "_C_k", Linear.builder().setUnits(2L * channels).optBias(false).build());
            cV = stack.add(name + "_C_v", Linear.builder().setUnits(channels).optBias(false).build());
            cR = stack.add(name + "_C_r", Linear.builder().setUnits(channels).optBias(false).build());
        }
    }

    private static final class Layers implements LayerStack.Layers {
        private final ChangeForecast framing;
        private final int channels;
        private final float dropout;
        private final List<Layer> layers = new ArrayList<>();

        Layers(LayerStack stack) {
            framing = stack.framing();
            channels = stack.channels();
            dropout = stack.dropout();
            for (int l = 0; l < stack.depth(); l++) {
                layers.add(new Layer(stack, l, channels));
            }
        }

        @Override
        public void initialize(NDManager manager, DataType dataType) {
            Shape row = new Shape(1, channels);
            for (Layer layer : layers) {
                layer.norm1.initialize(manager, dataType, row);
                for (Linear linear : List.of(layer.wK, layer.wV, layer.wR, layer.wO, layer.cK, layer.cR)) {
                    linear.initialize(manager, dataType, row);
                }
                layer.norm2.initialize(manager, dataType, row);
                layer.cV.initialize(manager, dataType, new Shape(1, 2L * channels));
            }
        }

        private static NDArray linear(ParameterStore store, Linear layer, NDArray a, boolean training) {
            return layer.forward(store, new NDList(a), training).singletonOrThrow();
        }

        /** μ a + (1 - μ) a_prev = a_prev + μ (a - a_prev). */
        private static NDArray mix(NDArray a, NDArray previous, NDArray mu) {
            return previous.add(a.sub(previous).mul(mu));
        }

        @Override
        public NDArray forward(ParameterStore store, NDArray u, boolean training) {
            for (Layer layer : layers) {
                NDArray a = layer.norm1.apply(store, u, training);                                   // [R, S, C]
                NDArray ap = CausalShift.delayed(a, 1);
                NDArray mu = BatchScope.of(u, store.getValue(layer.timeMix, u.getDevice(), training));   // [3, C]
                NDArray k = linear(store, layer.wK, mix(a, ap, mu.get(0)), training);
                NDArray v = linear(store, layer.wV, mix(a, ap, mu.get(1)), training);
                NDArray r = Activation.sigmoid(linear(store, layer.wR, mix(a, ap, mu.get(2)), training));
                NDArray w = BatchScope.of(u, store.getValue(layer.decay, u.getDevice(), training)).exp();   // [C]
                NDArray bonus = BatchScope.of(u, store.getValue(layer.bonus, u.getDevice(), training));
                NDArray out = linear(store, layer.wO, r.mul(wkv(k, v, w, bonus)), training);
                u = u.add(FeedForward.dropout(out, dropout, training));

                NDArray b = layer.norm2.apply(store, u, training);
                NDArray bp = CausalShift.delayed(b, 1);
                NDArray cm = BatchScope.of(u, store.getValue(layer.channelMix, u.getDevice(), training));    // [2, C]
                NDArray hidden = Activation.relu(linear(store, layer.cK, mix(b, bp, cm.get(0)), training)).square();
                NDArray gate = Activation.sigmoid(linear(store, layer.cR, mix(b, bp, cm.get(1)), training));
                u = u.add(FeedForward.dropout(gate.mul(linear(store, layer.cV, hidden, training)), dropout, training));
            }
            return u;
        }

        /** wkv over k, v [R, S, C] with w, u [C], in parallel: [R, S, C]. */
        private static NDArray wkv(NDArray k, NDArray v, NDArray w, NDArray bonus) {
            long steps = k.getShape().get(1);
            NDManager manager = k.getManager();
            NDArray e = k.sub(k.max(new int[]{1}, true).stopGradient()).exp();                    // e^{k - m} [R, S, C]
            NDArray t = manager.arange(0f, (float) steps).reshape(steps, 1);
            NDArray lag = t.sub(t.reshape(1, steps)).sub(1f);                                      // [S, S]: t - 1 - i
            NDArray past = lag.gte(0f).toType(DataType.FLOAT32, false);
            NDArray decay = lag.maximum(0f).expandDims(0).mul(w.neg().reshape(-1, 1, 1)).exp().mul(past); // [C, S, S]
            NDArray num = decay.matMul(e.mul(v).transpose(2, 1, 0)).transpose(2, 1, 0);           // [R, S, C]
            NDArray den = decay.matMul(e.transpose(2, 1, 0)).transpose(2, 1, 0);
            NDArray current = e.mul(bonus.exp());                                                  // e^{u + k - m}
            return num.add(current.mul(v)).div(den.add(current));
        }

        @Override
        public List<StateTensor> state() {
            List<StateTensor> state = new ArrayList<>();
            for (int l = 0; l < layers.size(); l++) {
                state.add(framing.carry("num" + l, channels));
                state.add(framing.carry("den" + l, channels));
                state.add(framing.carry("p" + l, channels));
                state.add(framing.window("shift" + l, 1, 2 * channels));
            }
            return state;
        }

        @Override
        public void describe(Map<String, Object> p) {
            p.put("layers", (long) layers.size());
            p.put("channelMixWidth", 2L * channels);
        }

        private static float[] values(Parameter p) {
            return p.getArray().toFloatArray();
        }

        private static float[] row(Parameter p, int row, int width) {
            float[] all = values(p);
            float[] out = new float[width];
            System.arraycopy(all, row * width, out, 0, width);
            return out;
        }

        private String mix(Graph g, String a, String previous, Layer layer, Parameter mu, int row, String suffix) {
            return g.node("Add", new String[]{previous, g.node("Mul", new String[]{g.node("Sub", new String[]{a, previous}),
                    g.constant(layer.name + "_mu_" + suffix, row(mu, row, channels), channels)})});
        }

        /** u + W_o (r ⊙ wkv). */
        private static String timeOutput(Graph g, Layer layer, String u, String r, String wkv) {
            return g.node("Add", new String[]{u, Dense.apply(g, g.node("Mul", new String[]{r, wkv}), layer.wO, layer.name + "_W_o")});
        }

        /** u + sigmoid(W_r' b'_r) ⊙ W_v' relu(W_k' b'_k)², b' mixing b with the previous step's bp. */
        private String channelMixing(Graph g, Layer layer, String u, String b, String bp) {
            String name = layer.name;
            String hidden = Dense.apply(g, mix(g, b, bp, layer, layer.channelMix, 0, "ck"), layer.cK, name + "_C_k");
            String squared = g.node("Relu", new String[]{hidden});
            squared = g.node("Mul", new String[]{squared, squared});
            String gate = g.node("Sigmoid", new String[]{Dense.apply(g, mix(g, b, bp, layer, layer.channelMix, 1, "cr"),
                    layer.cR, name + "_C_r")});
            return g.node("Add", new String[]{u, g.node("Mul", new String[]{gate, Dense.apply(g, squared, layer.cV, name + "_C_v")})});
        }

        private String exp(Graph g, String a) {
            return g.node("Exp", new String[]{a});
        }

        @Override
        public String step(Graph g, String u) {
            int c = channels;
            for (int l = 0; l < layers.size(); l++) {
                Layer layer = layers.get(l);
                String name = layer.name;
                String ring = g.node("Squeeze", new String[]{framing.windowIn(g, "shift" + l, 1, 2 * c), g.ints("axes", 1)}); // [R, 2C]
                String ap = g.node("Slice", new String[]{ring, g.ints("start", 0), g.ints("end", c), g.ints("axes", 1)});
                String bp = g.node("Slice", new String[]{ring, g.ints("start", c), g.ints("end", 2L * c), g.ints("axes", 1)});
                String a = layer.norm1.apply(g, u, name + "_LN_1");                                       // [R, C]
                String k = Dense.apply(g, mix(g, a, ap, layer, layer.timeMix, 0, "k"), layer.wK, name + "_W_k");
                String v = Dense.apply(g, mix(g, a, ap, layer, layer.timeMix, 1, "v"), layer.wV, name + "_W_v");
                String r = g.node("Sigmoid", new String[]{Dense.apply(g, mix(g, a, ap, layer, layer.timeMix, 2, "r"), layer.wR, name + "_W_r")});
                String num = framing.carryIn(g, "num" + l, c);
                String den = framing.carryIn(g, "den" + l, c);
                String p = framing.carryIn(g, "p" + l, c);
                String uk = g.node("Add", new String[]{k, g.constant(name + "_bonus", values(layer.bonus), c)});
                String q = g.node("Max", new String[]{p, uk});
                String e1 = exp(g, g.node("Sub", new String[]{p, q}));
                String e2 = exp(g, g.node("Sub", new String[]{uk, q}));
                String wkv = g.node("Div", new String[]{
                        g.node("Add", new String[]{g.node("Mul", new String[]{e1, num}), g.node("Mul", new String[]{e2, v})}),
                        g.node("Add", new String[]{g.node("Mul", new String[]{e1, den}), e2})});
                float[] w = values(layer.decay);
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) Math.exp(w[i]);
                }
                String pw = g.node("Sub", new String[]{p, g.constant(name + "_w", w, c)});
                String next = g.node("Max", new String[]{pw, k});
                String f1 = exp(g, g.node("Sub", new String[]{pw, next}));
                String f2 = exp(g, g.node("Sub", new String[]{k, next}));
                framing.carryOut(g, g.node("Add", new String[]{g.node("Mul", new String[]{f1, num}),
                        g.node("Mul", new String[]{f2, v})}), "num" + l, c);
                framing.carryOut(g, g.node("Add", new String[]{g.node("Mul", new String[]{f1, den}), f2}), "den" + l, c);
                framing.carryOut(g, next, "p" + l, c);
                u = timeOutput(g, layer, u, r, wkv);
                String b = layer.norm2.apply(g, u, name + "_LN_2");
                framing.windowOut(g, g.node("Concat", new String[]{a, b}, Graph.Attr.i("axis", 1)), "shift" + l, 2 * c);
                u = channelMixing(g, layer, u, b, bp);
            }
            return u;
        }

        @Override
        public String sequence(Graph g, String u) {
            int c = channels;
            String steps = framing.steps(g);
            String s = g.node("Cast", new String[]{g.node("Range", new String[]{g.scalar("zero", 0),
                    g.node("Squeeze", new String[]{steps, g.ints("axes", 0)}), g.scalar("step", 1)})},
                    Graph.Attr.i("to", OnnxMl.TensorProto.DataType.FLOAT.getNumber()));                 // [S]
            String lag = g.node("Sub", new String[]{g.node("Sub", new String[]{g.node("Unsqueeze", new String[]{s, g.ints("axes", 1)}),
                    g.node("Unsqueeze", new String[]{s, g.ints("axes", 0)})}), g.constant("one", new float[]{1f})}); // [S, S]: t - 1 - i
            String past = g.node("Cast", new String[]{g.node("GreaterOrEqual", new String[]{lag, g.constant("zero_f", new float[]{0f})})},
                    Graph.Attr.i("to", OnnxMl.TensorProto.DataType.FLOAT.getNumber()));
            String lags = g.node("Unsqueeze", new String[]{g.node("Relu", new String[]{lag}), g.ints("axes", 0)});   // [1, S, S]
            for (Layer layer : layers) {
                String name = layer.name;
                String a = layer.norm1.apply(g, u, name + "_LN_1");                                       // [R, S, C]
                String ap = CausalShift.delayed(g, a, steps, 1);
                String k = Dense.apply(g, mix(g, a, ap, layer, layer.timeMix, 0, "k"), layer.wK, name + "_W_k");
                String v = Dense.apply(g, mix(g, a, ap, layer, layer.timeMix, 1, "v"), layer.wV, name + "_W_v");
                String r = g.node("Sigmoid", new String[]{Dense.apply(g, mix(g, a, ap, layer, layer.timeMix, 2, "r"), layer.wR, name + "_W_r")});
                float[] w = values(layer.decay);
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) -Math.exp(w[i]);
                }
                String decay = g.node("Mul", new String[]{exp(g, g.node("Mul", new String[]{lags,
                        g.constant(name + "_minus_w", w, c, 1, 1)})), past});                                // [C, S, S]
                String e = exp(g, g.node("Sub", new String[]{k, g.node("ReduceMax", new String[]{k},
                        Graph.Attr.ints("axes", 1), Graph.Attr.i("keepdims", 1))}));                       // [R, S, C]
                String num = g.node("Transpose", new String[]{g.node("MatMul", new String[]{decay,
                        g.node("Transpose", new String[]{g.node("Mul", new String[]{e, v})}, Graph.Attr.ints("perm", 2, 1, 0))})},
                        Graph.Attr.ints("perm", 2, 1, 0));
                String den = g.node("Transpose", new String[]{g.node("MatMul", new String[]{decay,
                        g.node("Transpose", new String[]{e}, Graph.Attr.ints("perm", 2, 1, 0))})}, Graph.Attr.ints("perm", 2, 1, 0));
                float[] bonus = values(layer.bonus);
                for (int i = 0; i < bonus.length; i++) {
                    bonus[i] = (float) Math.exp(bonus[i]);
                }
                String current = g.node("Mul", new String[]{e, g.constant(name + "_exp_bonus", bonus, c)});
                String wkv = g.node("Div", new String[]{
                        g.node("Add", new String[]{num, g.node("Mul", new String[]{current, v})}),
                        g.node("Add", new String[]{den, current})});
                u = timeOutput(g, layer, u, r, wkv);
                String b = layer.norm2.apply(g, u, name + "_LN_2");
                u = channelMixing(g, layer, u, b, CausalShift.delayed(g, b, steps, 1));
            }
            return u;
        }
    }
}
