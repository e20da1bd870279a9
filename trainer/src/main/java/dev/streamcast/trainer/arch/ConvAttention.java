package dev.streamcast.trainer.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.arch.components.Attention;
import dev.streamcast.trainer.arch.components.CausalConv;
import dev.streamcast.trainer.arch.components.ChangeForecast;
import dev.streamcast.trainer.arch.components.LayerStack;
import dev.streamcast.trainer.arch.components.WindowAttention;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.onnx.Graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A convolution + attention hybrid (in the spirit of Conformer and of Mamba's short conv): each
 * layer of the {@code transformer} has a depthwise causal convolution of K = 4 taps beside its
 * sliding-window attention, both reading the same pre-norm input, so short-range patterns have a
 * path of their own while attention reaches over the window:
 * <pre>
 *   a = LN_1(u)
 *   u = u + W_O concat_heads softmax_s(q_t k_s / sqrt d + b_rel[t - s], 0 <= t - s <= W) v_s + conv_K(a)
 *   u = u + W_2 GELU(W_1 LN_2(u))
 * </pre>
 * W as the transformer's, ceil((L - 1) / layers). State: per layer a window {@code kv<l>} of W keys
 * and values [2C] and a window {@code conv<l>} of the K - 1 previous conv inputs [C], the window
 * {@code filled} and the window {@code previous}.
 */
public final class ConvAttention implements Architecture {

    static final int HEADS = Attention.HEADS;
    static final int TAPS = 4;
    static final float LEARNING_RATE = 1e-3f;

    @Override
    public String name() {
        return "conv-attention";
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        if (options.hidden() % HEADS != 0) {
            throw new IllegalArgumentException("conv-attention needs --hidden divisible by its " + HEADS + " heads, got "
                    + options.hidden());
        }
        int w = SlidingWindowTransformer.defaultWindow(data.lookback(), options.layers());
        return LayerStack.fit(name(), data, options, progress, LEARNING_RATE, true, stack -> new Layers(stack, w));
    }

    private static final class Layers implements LayerStack.Layers {
        private final ChangeForecast framing;
        private final WindowAttention attention;
        private final List<Attention> layers = new ArrayList<>();
        private final List<CausalConv> convs = new ArrayList<>();

        Layers(LayerStack stack, int window) {
            framing = stack.framing();
            attention = new WindowAttention(framing, stack.channels(), window);
            for (int l = 0; l < stack.depth(); l++) {
                layers.add(new Attention(stack, l, "b_rel", attention.biasShape(), attention.alibi()));
                convs.add(new CausalConv(stack, "layer" + l + "_conv", "conv" + l, stack.channels(), TAPS));
            }
        }

        @Override
        public void initialize(NDManager manager, DataType dataType) {
            layers.forEach(layer -> layer.initialize(manager, dataType));
        }

        @Override
        public NDArray forward(ParameterStore store, NDArray u, boolean training) {
            for (int l = 0; l < layers.size(); l++) {
                CausalConv conv = convs.get(l);
                u = layers.get(l).forward(store, u, training, attention::attend, a -> conv.forward(store, a, training));
            }
            return u;
        }

        @Override
        public List<StateTensor> state() {
            List<StateTensor> state = new ArrayList<>();
            List<StateTensor> windows = attention.state(layers.size());
            for (int l = 0; l < layers.size(); l++) {
                state.add(windows.get(l));
                state.add(convs.get(l).state(framing));
            }
            state.add(windows.get(layers.size()));   // filled
            return state;
        }

        @Override
        public void describe(Map<String, Object> p) {
            p.put("layers", (long) layers.size());
            p.put("heads", (long) HEADS);
            p.put("window", (long) attention.window());
            p.put("convTaps", (long) TAPS);
        }

        @Override
        public int warmUpSteps(int lookback) {
            return attention.warmUpSteps(lookback, layers.size());
        }

        @Override
        public String step(Graph g, String u) {
            String mask = attention.stepMask(g);
            for (int l = 0; l < layers.size(); l++) {
                Attention layer = layers.get(l);
                String a = layer.norm(g, u);
                WindowAttention.StepKeys keys = attention.stepKeys(g, layer, l, layer.key(g, a), layer.value(g, a));
                String attended = attention.step(g, layer, mask, layer.query(g, a), keys, null);
                String withConv = g.node("Add", new String[]{u, convs.get(l).step(g, framing, a)});
                u = layer.residual(g, withConv, layer.mergeStep(g, attended));
            }
            return u;
        }

        @Override
        public String sequence(Graph g, String u) {
            String index = attention.sequenceIndex(g);
            String steps = framing.steps(g);
            for (int l = 0; l < layers.size(); l++) {
                Attention layer = layers.get(l);
                String a = layer.norm(g, u);
                String qh = layer.heads(g, layer.query(g, a), -1);                                     // [R, heads, S, d]
                String kh = layer.heads(g, layer.key(g, a), -1);
                String vh = layer.heads(g, layer.value(g, a), -1);
                String attended = attention.sequence(g, layer, index, qh, kh, vh, null);
                String withConv = g.node("Add", new String[]{u, convs.get(l).sequence(g, a, steps)});
                u = layer.residual(g, withConv, layer.mergeSequence(g, attended));
            }
            return u;
        }
    }
}
