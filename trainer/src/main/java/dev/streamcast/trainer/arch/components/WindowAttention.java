package dev.streamcast.trainer.arch.components;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.onnx.Graph;

import java.util.ArrayList;
import java.util.List;

/**
 * Softmax attention over a sliding window with a key/value cache, the mixing of every
 * window-attention layer ({@code transformer} and the hybrids built on it), per head of an
 * {@link Attention} layer whose parameter is the relative bias b_rel [heads, W + 1]: step t attends
 * to itself and the W steps before it,
 * <pre>
 *   o_t = softmax_s(q_t k_s / sqrt d + b_rel[m = t - s] + extra[t, s], 0 <= m <= W) v_s
 * </pre>
 * where {@code extra} is an optional further mask (0 or {@link #MASKED}) an architecture adds (LSH's buckets).
 * Training and the sequence graph mask a whole [S, S] score matrix; the step graph attends over a
 * window {@code kv<l>} of the last W keys and values [2C] per layer, and a window {@code filled} of W
 * flags marks the real entries (the runtime zero-fills a fresh ring, and a zero key is no masked key:
 * its score 0 would still take a share of the softmax).
 */
public final class WindowAttention {

    public static final int HEADS = Attention.HEADS;
    /** A score for masked keys: exp underflows to exactly 0 after the softmax's max subtraction. */
    public static final float MASKED = -1e9f;

    private final ChangeForecast framing;
    private final int channels;
    private final int window;

    public WindowAttention(ChangeForecast framing, int channels, int window) {
        this.framing = framing;
        this.channels = channels;
        this.window = window;
    }

    public int window() {
        return window;
    }

    /** The shape of b_rel, each layer's parameter. */
    public Shape biasShape() {
        return new Shape(HEADS, window + 1);
    }

    /** ALiBi's slopes as b_rel's start: head h penalises offset m by 2^(-8 (h + 1) / heads) m. */
    public Initializer alibi() {
        return (manager, shape, type) -> {
            float[] b = new float[HEADS * (window + 1)];
            for (int h = 0; h < HEADS; h++) {
                double slope = Math.pow(2, -8.0 * (h + 1) / HEADS);
                for (int m = 0; m <= window; m++) {
                    b[h * (window + 1) + m] = (float) (-slope * m);
                }
            }
            return manager.create(b, new Shape(HEADS, window + 1));
        };
    }

    private float scale() {
        return (float) (1 / Math.sqrt((double) channels / HEADS));
    }

    // ---- DJL

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

    /** Softmax attention over q, k, v [R, heads, S, d] within the window, biased by b_rel: o [R, heads, S, d]. */
    public NDArray attend(NDArray q, NDArray k, NDArray v, NDArray bRel) {
        return attend(q, k, v, bRel, null);
    }

    /** The same with a further additive mask {@code extra} [R, heads, S, S] (null: none). */
    public NDArray attend(NDArray q, NDArray k, NDArray v, NDArray bRel, NDArray extra) {
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale()).add(bandBias(bRel, q.getShape().get(2))); // [R, heads, S, S]
        if (extra != null) {
            scores = scores.add(extra);
        }
        return scores.softmax(-1).matMul(v);
    }

    // ---- state

    /** The key/value cache of each of {@code layers} layers, then the flags. */
    public List<StateTensor> state(int layers) {
        List<StateTensor> state = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            state.add(framing.window("kv" + l, window, 2 * channels));
        }
        state.add(StateTensor.window("filled", window, 1));
        return state;
    }

    /** Steps after which every layer's window holds only real steps. */
    public int warmUpSteps(int lookback, int layers) {
        return Math.max(lookback, layers * window + 1);
    }

    // ---- ONNX

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

    /**
     * Declares the window {@code filled} and its output; returns the additive mask over the W cached slots and the
     * current one [R, 1, 1, W + 1] (0 or -1e9), shared by the layers of a step graph.
     */
    public String stepMask(Graph g) {
        int w = window;
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
        return mask;
    }

    /** The keys (or values) of a step: the cached W entries and the current one, in heads [R, heads, W + 1, d]. */
    public record StepKeys(String keys, String values) {
    }

    /**
     * Layer {@code l}'s cache in a step graph: reads {@code kv<l>}, writes the new entry (k, v [R, C]), and returns the
     * keys and values of the cached W steps and this one in heads [R, heads, W + 1, d], oldest first.
     */
    public StepKeys stepKeys(Graph g, Attention attention, int l, String k, String v) {
        int c = channels;
        int w = window;
        String cache = framing.windowIn(g, "kv" + l, w, 2 * c);                                // [R, W, 2C]
        framing.windowOut(g, g.node("Concat", new String[]{k, v}, Graph.Attr.i("axis", 1)), "kv" + l, 2 * c);
        String keys = g.node("Concat", new String[]{
                g.node("Slice", new String[]{cache, g.ints("start", 0), g.ints("end", c), g.ints("axes", 2)}),
                g.node("Unsqueeze", new String[]{k, g.ints("axes", 1)})}, Graph.Attr.i("axis", 1));   // [R, W + 1, C]
        String values = g.node("Concat", new String[]{
                g.node("Slice", new String[]{cache, g.ints("start", c), g.ints("end", 2 * c), g.ints("axes", 2)}),
                g.node("Unsqueeze", new String[]{v, g.ints("axes", 1)})}, Graph.Attr.i("axis", 1));
        return new StepKeys(attention.heads(g, keys, w + 1), attention.heads(g, values, w + 1));
    }

    /**
     * The attention of a step's query q [R, C] over {@code keys} with the mask of {@link #stepMask} plus an optional
     * {@code extra} [R, heads, 1, W + 1] (null: none): o [R, heads, 1, d].
     */
    public String step(Graph g, Attention attention, String mask, String q, StepKeys keys, String extra) {
        int w = window;
        String qh = attention.heads(g, q, 1);                                                   // [R, heads, 1, d]
        String scores = g.node("Add", new String[]{g.node("Add", new String[]{
                g.node("Mul", new String[]{g.node("MatMul", new String[]{qh,
                        g.node("Transpose", new String[]{keys.keys()}, Graph.Attr.ints("perm", 0, 1, 3, 2))}),
                        g.constant("scale", new float[]{scale()})}),
                g.constant(attention.name() + "_b_rel", bySlot(attention), HEADS, 1, w + 1)}), mask});  // [R, heads, 1, W + 1]
        if (extra != null) {
            scores = g.node("Add", new String[]{scores, extra});
        }
        return g.node("MatMul", new String[]{g.node("Softmax", new String[]{scores}, Graph.Attr.i("axis", -1)), keys.values()});
    }

    /** The offsets of a sequence graph as indices into the padded b_rel [S, S], shared by its layers. */
    public String sequenceIndex(Graph g) {
        String s = g.node("Range", new String[]{g.scalar("zero", 0),
                g.node("Squeeze", new String[]{framing.steps(g), g.ints("axes", 0)}), g.scalar("step", 1)});
        String offsets = g.node("Sub", new String[]{g.node("Unsqueeze", new String[]{s, g.ints("axes", 1)}),
                g.node("Unsqueeze", new String[]{s, g.ints("axes", 0)})});
        String inside = g.node("And", new String[]{
                g.node("GreaterOrEqual", new String[]{offsets, g.scalar("zero", 0)}),
                g.node("LessOrEqual", new String[]{offsets, g.scalar("window", window)})});
        return g.node("Where", new String[]{inside, offsets, g.scalar("masked_index", window + 1)});
    }

    /** Attention over a sequence, qh, kh, vh [R, heads, S, d], plus an optional {@code extra} [R, heads, S, S]: o [R, heads, S, d]. */
    public String sequence(Graph g, Attention attention, String index, String qh, String kh, String vh, String extra) {
        String bias = g.node("Gather", new String[]{g.constant(attention.name() + "_b_rel", padded(attention), HEADS, window + 2), index},
                Graph.Attr.i("axis", 1));                                                       // [heads, S, S]
        String scores = g.node("Add", new String[]{g.node("Mul", new String[]{g.node("MatMul", new String[]{qh,
                g.node("Transpose", new String[]{kh}, Graph.Attr.ints("perm", 0, 1, 3, 2))}),
                g.constant("scale", new float[]{scale()})}), bias});                             // [R, heads, S, S]
        if (extra != null) {
            scores = g.node("Add", new String[]{scores, extra});
        }
        return g.node("MatMul", new String[]{g.node("Softmax", new String[]{scores}, Graph.Attr.i("axis", -1)), vh});
    }
}
