package dev.streamcast.trainer.arch.components;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.arch.TrainOptions;
import dev.streamcast.trainer.onnx.Graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The layers of the {@code transformer}: pre-norm {@link Attention} layers whose mixing is {@link WindowAttention}
 * with the relative bias b_rel [heads, W + 1] as each layer's parameter, in DJL and in both graphs. The hybrids built
 * on it ({@code conv-attention}, {@code lsh-attention}, {@code attention-gru}) say only what they add, through an
 * {@link Extension}: a further mask on the scores, or a branch beside the attention.
 */
public final class WindowStack {

    /** What an architecture adds to layer {@code l} of the stack; each method returns null for nothing. */
    public interface Extension {

        /** A further additive mask (0 or {@link WindowAttention#MASKED}) on the scores of q, k [R, heads, S, d]: [R, heads, S, S]. */
        default NDArray mask(int l, NDArray q, NDArray k) {
            return null;
        }

        /** A branch beside the attention reading a = LN_1(u) [R, S, C]: [R, S, C]. */
        default NDArray beside(ParameterStore store, int l, NDArray a, boolean training) {
            return null;
        }

        /** The mask of a step: the query q [R, C] against the cached and current keys; [R, heads, 1, W + 1]. */
        default String stepMask(Graph g, int l, String q, WindowAttention.StepKeys keys) {
            return null;
        }

        /** The mask of a sequence over qh, kh [R, heads, S, d], {@code index} the offsets of {@link WindowAttention#sequenceIndex}. */
        default String sequenceMask(Graph g, int l, String index, String qh, String kh) {
            return null;
        }

        /** The branch of a step on a [R, C]. */
        default String stepBeside(Graph g, int l, String a) {
            return null;
        }

        /** The branch of a sequence on a [R, S, C]. */
        default String sequenceBeside(Graph g, int l, String a) {
            return null;
        }
    }

    /** The plain transformer's: nothing added. */
    public static final Extension NONE = new Extension() {
    };

    private final WindowAttention attention;
    private final List<Attention> layers = new ArrayList<>();

    /** {@code stack.depth()} layers attending to the W = {@code window} steps before each. */
    public WindowStack(LayerStack stack, int window) {
        attention = new WindowAttention(stack.framing(), stack.channels(), window);
        for (int l = 0; l < stack.depth(); l++) {
            layers.add(new Attention(stack, l, "b_rel", attention.biasShape(), attention.alibi()));
        }
    }

    /**
     * W for architecture {@code arch}: {@code window} when positive, else ceil((L - 1) / layers), at least 1, so the
     * stack's receptive field, layers * W + 1, covers the look-back L; refuses a width the heads do not divide.
     */
    public static int window(String arch, int window, int lookback, TrainOptions options) {
        if (options.hidden() % Attention.HEADS != 0) {
            throw new IllegalArgumentException(arch + " needs --hidden divisible by its " + Attention.HEADS + " heads, got "
                    + options.hidden());
        }
        return window > 0 ? window : defaultWindow(lookback, options.layers());
    }

    /** ceil((L - 1) / layers), at least 1. */
    public static int defaultWindow(int lookback, int layers) {
        return Math.max(1, (lookback - 1 + layers - 1) / layers);
    }

    public int window() {
        return attention.window();
    }

    public int depth() {
        return layers.size();
    }

    /** Layer {@code l}. */
    public Attention layer(int l) {
        return layers.get(l);
    }

    public void initialize(NDManager manager, DataType dataType) {
        layers.forEach(layer -> layer.initialize(manager, dataType));
    }

    /** Every layer on u [R, S, C]. */
    public NDArray forward(ParameterStore store, NDArray u, boolean training, Extension extension) {
        for (int l = 0; l < layers.size(); l++) {
            int layer = l;
            u = layers.get(l).forward(store, u, training,
                    (q, k, v, bRel) -> attention.attend(q, k, v, bRel, extension.mask(layer, q, k)),
                    a -> extension.beside(store, layer, a, training));
        }
        return u;
    }

    /** The key/value cache {@code kv<l>} of each layer, then the window {@code filled}. */
    public List<StateTensor> state() {
        return attention.state(layers.size());
    }

    /** layers, heads and window into the manifest's hyper-parameters. */
    public void describe(Map<String, Object> p) {
        p.put("layers", (long) layers.size());
        p.put("heads", (long) Attention.HEADS);
        p.put("window", (long) attention.window());
    }

    /** Steps after which every layer's window holds only real steps. */
    public int warmUpSteps(int lookback) {
        return attention.warmUpSteps(lookback, layers.size());
    }

    /** Every layer in a step graph on u [R, C]. */
    public String step(Graph g, String u, Extension extension) {
        String mask = attention.stepMask(g);
        for (int l = 0; l < layers.size(); l++) {
            Attention layer = layers.get(l);
            String a = layer.norm(g, u);
            String q = layer.query(g, a);
            WindowAttention.StepKeys keys = attention.stepKeys(g, layer, l, layer.key(g, a), layer.value(g, a));
            String attended = attention.step(g, layer, mask, q, keys, extension.stepMask(g, l, q, keys));
            u = layer.residual(g, plus(g, u, extension.stepBeside(g, l, a)), layer.mergeStep(g, attended));
        }
        return u;
    }

    /** Every layer in a sequence graph on u [R, S, C]. */
    public String sequence(Graph g, String u, Extension extension) {
        String index = attention.sequenceIndex(g);
        for (int l = 0; l < layers.size(); l++) {
            Attention layer = layers.get(l);
            String a = layer.norm(g, u);
            String qh = layer.heads(g, layer.query(g, a), -1);                                     // [R, heads, S, d]
            String kh = layer.heads(g, layer.key(g, a), -1);
            String vh = layer.heads(g, layer.value(g, a), -1);
            String attended = attention.sequence(g, layer, index, qh, kh, vh, extension.sequenceMask(g, l, index, qh, kh));
            u = layer.residual(g, plus(g, u, extension.sequenceBeside(g, l, a)), layer.mergeSequence(g, attended));
        }
        return u;
    }

    private static String plus(Graph g, String u, String branch) {
        return branch == null ? u : g.node("Add", new String[]{u, branch});
    }
}
