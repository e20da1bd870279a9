package dev.streamcast.trainer.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
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
 * A causal pre-norm Transformer (Vaswani et al. 2017) whose attention is restricted to a sliding
 * window (Longformer-style, Beltagy et al. 2020): step t attends to itself and the W steps before
 * it. Positions are relative: a learned bias b_rel[head, m] per offset m = t - s (T5-style,
 * initialised to ALiBi's recency slopes), so the step graph sees at every step exactly what the
 * sequence graph sees at that step, however long the stream. Per layer, on rows u [R, S, C]:
 * <pre>
 *   a = LN_1(u)      q, k, v = a W_Q, a W_K, a W_V  (n_heads heads of d = C / n_heads)
 *   u = u + W_O concat_heads softmax_s(q_t k_s / sqrt d + b_rel[m = t - s], 0 <= m <= W) v_s
 *   u = u + W_2 GELU(W_1 LN_2(u))
 * </pre>
 * then yhat_t = W_o LN_f(u_t) + x_t[targets], reading step differences as {@link ChangeForecast} frames.
 *
 * <p>Served with a key/value cache as window state: per layer a window {@code kv<l>} of the last W
 * keys and values [2C], a window {@code filled} of W flags (1 for a real entry; the runtime
 * zero-fills a fresh ring, and a zero key is no masked key: its score 0 would still take a share
 * of the softmax), and the window {@code previous}. State and step cost grow linearly with W.
 * The default W = ceil((L - 1) / layers) lets the stack's receptive field, layers * W + 1, cover
 * the look-back L, as the TCN's dilations do.
 */
public final class SlidingWindowTransformer implements Architecture {

    static final int HEADS = Attention.HEADS;
    static final float LEARNING_RATE = 1e-3f;
    /** A score for masked keys: exp underflows to exactly 0 after the softmax's max subtraction. */
    static final float MASKED = -1e9f;

    private final int window;

    /** W from the look-back and the number of layers. */
    public SlidingWindowTransformer() {
        this(0);
    }

    /** A fixed window W of past steps attended to (0: from the look-back and the layers). */
    public SlidingWindowTransformer(int window) {
        if (window < 0) {
            throw new IllegalArgumentException("transformer window must be positive (or 0 for the default), got " + window);
        }
        this.window = window;
    }

    @Override
    public String name() {
        return "transformer";
    }

    /** ceil((L - 1) / layers), at least 1. */
    static int defaultWindow(int lookback, int layers) {
        return Math.max(1, (lookback - 1 + layers - 1) / layers);
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        if (options.hidden() % HEADS != 0) {
            throw new IllegalArgumentException("transformer needs --hidden divisible by its " + HEADS + " heads, got "
                    + options.hidden());
        }
        int w = window > 0 ? window : defaultWindow(data.lookback(), options.layers());
        return LayerStack.fit(name(), data, options, progress, LEARNING_RATE, true, stack -> new Layers(stack, w));
    }

    /** ALiBi's slopes: head h penalises offset m by 2^(-8 (h + 1) / heads) m. */
    private static NDArray alibi(NDManager manager, int window) {
        float[] b = new float[HEADS * (window + 1)];
        for (int h = 0; h < HEADS; h++) {
            double slope = Math.pow(2, -8.0 * (h + 1) / HEADS);
            for (int m = 0; m <= window; m++) {
                b[h * (window + 1) + m] = (float) (-slope * m);
            }
        }
        return manager.create(b, new Shape(HEADS, window + 1));
    }

    private static final class Layers implements LayerStack.Layers {
        private final ChangeForecast framing;
        private final int channels;
        private final int window;
        private final List<Attention> layers = new ArrayList<>();

        Layers(LayerStack stack, int window) {
            this.framing = stack.framing();
            this.channels = stack.channels();
            this.window = window;
            for (int l = 0; l < stack.depth(); l++) {   // b_rel [heads, W + 1]: the bias of offset m = t - s
                layers.add(new Attention(stack, l, "b_rel", new Shape(HEADS, window + 1), (m, shape, type) -> alibi(m, window)));
            }
        }

        @Override
        public void initialize(NDManager manager, DataType dataType) {
            layers.forEach(layer -> layer.initialize(manager, dataType));
        }

        /** The relative bias over a whole sequence [heads, S, S]: b_rel[t - s] inside the window, masked elsewhere. */
        private NDArray bandBias(NDArray bRel, long steps) {
            NDManager manager = bRel.getManager();
            NDArray padded = bRel.concat(manager.full(new Shape(HEADS, 1), MASKED), 1);   // [heads, W + 2]
            long[] index = new long[(int) (steps * steps)];
            for (int t = 0; t < steps; t++) {
                for (int s = 0; s < steps; s++) {
                    int m = t - s;
                    index[(int) (t * steps + s)] = m >= 0 && m <= window ? m : window + 1;
                }
            }
            return padded.get(new NDIndex(":, {}", manager.create(index))).reshape(HEADS, steps, steps);
        }

        private float scale() {
            return (float) (1 / Math.sqrt((double) channels / HEADS));
        }

        @Override
        public NDArray forward(ParameterStore store, NDArray u, boolean training) {
            for (Attention layer : layers) {
                u = layer.forward(store, u, training, this::attend);
            }
            return u;
        }

        /** Softmax attention over q, k, v [R, heads, S, d] within the window, biased by b_rel: o [R, heads, S, d]. */
        private NDArray attend(NDArray q, NDArray k, NDArray v, NDArray bRel) {
            NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale()).add(bandBias(bRel, q.getShape().get(2))); // [R, heads, S, S]
            return scores.softmax(-1).matMul(v);
        }

        @Override
        public List<StateTensor> state() {
            List<StateTensor> state = new ArrayList<>();
            for (int l = 0; l < layers.size(); l++) {
                state.add(framing.window("kv" + l, window, 2 * channels));
            }
            state.add(StateTensor.window("filled", window, 1));
            return state;
        }

        @Override
        public void describe(Map<String, Object> p) {
            p.put("layers", (long) layers.size());
            p.put("heads", (long) HEADS);
            p.put("window", (long) window);
        }

        @Override
        public int warmUpSteps(int lookback) {
            return Math.max(lookback, layers.size() * window + 1);
        }

        /** b_rel as a constant [heads, W + 2], the last column masked, for a Gather by offset. */
        private float[] padded(Attention layer) {
            float[] b = layer.parameterValues();
            float[] out = new float[HEADS * (window + 2)];
            for (int h = 0; h < HEADS; h++) {
                System.arraycopy(b, h * (window + 1), out, h * (window + 2), window + 1);
                out[h * (window + 2) + window + 1] = MASKED;
            }
            return out;
        }

        /** b_rel by cache slot [heads, W + 1]: slot j holds offset m = W - j, the bias reversed along the window. */
        private float[] bySlot(Attention layer) {
            float[] b = layer.parameterValues();
            float[] bySlot = new float[HEADS * (window + 1)];
            for (int h = 0; h < HEADS; h++) {
                for (int j = 0; j <= window; j++) {
                    bySlot[h * (window + 1) + j] = b[h * (window + 1) + (window - j)];
                }
            }
            return bySlot;
        }

        @Override
        public String step(Graph g, String u) {
            int c = channels;
            int w = window;
            // filled flags [B, W, 1] to an additive mask over the W cached slots and the current one: [R, 1, 1, W + 1]
            String flags = g.input("filled", Graph.BATCH, w, 1);
            String perEntity = g.node("Reshape", new String[]{flags, g.ints("shape", -1, 1, w)});      // [B, 1, W]
            if (framing.channelIndependent) {
                String expanded = g.node("Expand", new String[]{perEntity, g.ints("shape", 1, framing.targets(), 1)});
                perEntity = g.node("Reshape", new String[]{expanded, g.ints("shape", -1, 1, w)});     // [R, 1, W]
            }
            String slots = g.node("Pad", new String[]{perEntity, g.ints("pads", 0, 0, 0, 0, 0, 1),
                    g.constant("filled_current", new float[]{1f})});                                    // [R, 1, W + 1]
            String mask = g.node("Unsqueeze", new String[]{g.node("Mul", new String[]{
                    g.node("Sub", new String[]{slots, g.constant("one", new float[]{1f})}),
                    g.constant("masked", new float[]{-MASKED})}), g.ints("axes", 1)});                 // 0 or -1e9
            String ones = g.node("Expand", new String[]{g.constant("flag", new float[]{1f}, 1),
                    g.node("Concat", new String[]{g.node("Slice", new String[]{g.node("Shape", new String[]{flags}),
                            g.ints("start", 0), g.ints("end", 1)}), g.ints("one_dim", 1)}, Graph.Attr.i("axis", 0))});
            g.output(ones, "filled.new", Graph.BATCH, 1);
            for (int l = 0; l < layers.size(); l++) {
                Attention attention = layers.get(l);
                String a = attention.norm(g, u);
                String q = attention.query(g, a);                                                      // [R, C]
                String k = attention.key(g, a);
                String v = attention.value(g, a);
                String cache = framing.windowIn(g, "kv" + l, w, 2 * c);                                // [R, W, 2C]
                framing.windowOut(g, g.node("Concat", new String[]{k, v}, Graph.Attr.i("axis", 1)), "kv" + l, 2 * c);
                String keys = g.node("Concat", new String[]{
                        g.node("Slice", new String[]{cache, g.ints("start", 0), g.ints("end", c), g.ints("axes", 2)}),
                        g.node("Unsqueeze", new String[]{k, g.ints("axes", 1)})}, Graph.Attr.i("axis", 1));   // [R, W + 1, C]
                String values = g.node("Concat", new String[]{
                        g.node("Slice", new String[]{cache, g.ints("start", c), g.ints("end", 2 * c), g.ints("axes", 2)}),
                        g.node("Unsqueeze", new String[]{v, g.ints("axes", 1)})}, Graph.Attr.i("axis", 1));
                String qh = attention.heads(g, q, 1);                                                   // [R, heads, 1, d]
                String kh = attention.heads(g, keys, w + 1);                                            // [R, heads, W + 1, d]
                String vh = attention.heads(g, values, w + 1);
                String scores = g.node("Add", new String[]{g.node("Add", new String[]{
                        g.node("Mul", new String[]{g.node("MatMul", new String[]{qh,
                                g.node("Transpose", new String[]{kh}, Graph.Attr.ints("perm", 0, 1, 3, 2))}),
                                g.constant("scale", new float[]{scale()})}),
                        g.constant(attention.name() + "_b_rel", bySlot(attention), HEADS, 1, w + 1)}), mask});  // [R, heads, 1, W + 1]
                String attended = g.node("MatMul", new String[]{g.node("Softmax", new String[]{scores}, Graph.Attr.i("axis", -1)), vh});
                u = attention.residual(g, u, attention.mergeStep(g, attended));
            }
            return u;
        }

        @Override
        public String sequence(Graph g, String u) {
            int w = window;
            // offsets m = t - s [S, S]; outside 0 <= m <= W they index the masked column W + 1
            String s = g.node("Range", new String[]{g.scalar("zero", 0),
                    g.node("Squeeze", new String[]{framing.steps(g), g.ints("axes", 0)}), g.scalar("step", 1)});
            String offsets = g.node("Sub", new String[]{g.node("Unsqueeze", new String[]{s, g.ints("axes", 1)}),
                    g.node("Unsqueeze", new String[]{s, g.ints("axes", 0)})});
            String inside = g.node("And", new String[]{
                    g.node("GreaterOrEqual", new String[]{offsets, g.scalar("zero", 0)}),
                    g.node("LessOrEqual", new String[]{offsets, g.scalar("window", w)})});
            String index = g.node("Where", new String[]{inside, offsets, g.scalar("masked_index", w + 1)});
            for (Attention attention : layers) {
                String a = attention.norm(g, u);
                String qh = attention.heads(g, attention.query(g, a), -1);                             // [R, heads, S, d]
                String kh = attention.heads(g, attention.key(g, a), -1);
                String vh = attention.heads(g, attention.value(g, a), -1);
                String bias = g.node("Gather", new String[]{g.constant(attention.name() + "_b_rel", padded(attention), HEADS, w + 2), index},
                        Graph.Attr.i("axis", 1));                                                       // [heads, S, S]
                String scores = g.node("Add", new String[]{g.node("Mul", new String[]{g.node("MatMul", new String[]{qh,
                        g.node("Transpose", new String[]{kh}, Graph.Attr.ints("perm", 0, 1, 3, 2))}),
                        g.constant("scale", new float[]{scale()})}), bias});                             // [R, heads, S, S]
                String attended = g.node("MatMul", new String[]{g.node("Softmax", new String[]{scores}, Graph.Attr.i("axis", -1)), vh});
                u = attention.residual(g, u, attention.mergeSequence(g, attended));
            }
            return u;
        }
    }
}
