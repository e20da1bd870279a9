package dev.streamcast.trainer.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.arch.components.CausalConv;
import dev.streamcast.trainer.arch.components.ChangeForecast;
import dev.streamcast.trainer.arch.components.LayerStack;
import dev.streamcast.trainer.arch.components.WindowStack;
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

    static final int TAPS = 4;
    static final float LEARNING_RATE = 1e-3f;

    @Override
    public String name() {
        return "conv-attention";
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        int w = WindowStack.window(name(), 0, data.lookback(), options);
        return LayerStack.fit(name(), data, options, progress, LEARNING_RATE, true, stack -> new Layers(stack, w));
    }

    /** The transformer's layers with a conv branch beside each attention. */
    private static final class Layers implements LayerStack.Layers, WindowStack.Extension {
        private final ChangeForecast framing;
        private final WindowStack layers;
        private final List<CausalConv> convs = new ArrayList<>();

        Layers(LayerStack stack, int window) {
            framing = stack.framing();
            layers = new WindowStack(stack, window);
            for (int l = 0; l < stack.depth(); l++) {
                convs.add(new CausalConv(stack, "layer" + l + "_conv", "conv" + l, stack.channels(), TAPS));
            }
        }

        @Override
        public void initialize(NDManager manager, DataType dataType) {
            layers.initialize(manager, dataType);
        }

        @Override
        public NDArray forward(ParameterStore store, NDArray u, boolean training) {
            return layers.forward(store, u, training, this);
        }

        @Override
        public NDArray beside(ParameterStore store, int l, NDArray a, boolean training) {
            return convs.get(l).forward(store, a, training);
        }

        @Override
        public List<StateTensor> state() {
            List<StateTensor> state = new ArrayList<>();
            List<StateTensor> windows = layers.state();
            for (int l = 0; l < convs.size(); l++) {
                state.add(windows.get(l));
                state.add(convs.get(l).state(framing));
            }
            state.add(windows.get(convs.size()));   // filled
            return state;
        }

        @Override
        public void describe(Map<String, Object> p) {
            layers.describe(p);
            p.put("convTaps", (long) TAPS);
        }

        @Override
        public int warmUpSteps(int lookback) {
            return layers.warmUpSteps(lookback);
        }

        @Override
        public String step(Graph g, String u) {
            return layers.step(g, u, this);
        }

        @Override
        public String stepBeside(Graph g, int l, String a) {
            return convs.get(l).step(g, framing, a);
        }

        @Override
        public String sequence(Graph g, String u) {
            return layers.sequence(g, u, this);
        }

        @Override
        public String sequenceBeside(Graph g, int l, String a) {
            return convs.get(l).sequence(g, a, framing.steps(g));
        }
    }
}
