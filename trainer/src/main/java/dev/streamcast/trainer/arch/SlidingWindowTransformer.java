package dev.streamcast.trainer.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.arch.components.ChangeForecast;
import dev.streamcast.trainer.arch.components.LayerStack;
import dev.streamcast.trainer.arch.components.WindowAttention;
import dev.streamcast.trainer.arch.components.WindowStack;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.onnx.Graph;

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
 * <p>Served with a key/value cache as window state ({@link WindowAttention}; the layers are {@link WindowStack}, which the hybrids extend): per layer a window
 * {@code kv<l>} of the last W keys and values [2C], a window {@code filled} of W flags, and the
 * window {@code previous}. State and step cost grow linearly with W.
 * The default W = ceil((L - 1) / layers) lets the stack's receptive field, layers * W + 1, cover
 * the look-back L, as the TCN's dilations do.
 */
public final class SlidingWindowTransformer implements Architecture {

    static final float LEARNING_RATE = 1e-3f;

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

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        int w = WindowStack.window(name(), window, data.lookback(), options);
        return LayerStack.fit(name(), data, options, progress, LEARNING_RATE, true, stack -> new Layers(new WindowStack(stack, w)));
    }

    private record Layers(WindowStack layers) implements LayerStack.Layers {

        @Override
        public void initialize(NDManager manager, DataType dataType) {
            layers.initialize(manager, dataType);
        }

        @Override
        public NDArray forward(ParameterStore store, NDArray u, boolean training) {
            return layers.forward(store, u, training, WindowStack.NONE);
        }

        @Override
        public List<StateTensor> state() {
            return layers.state();
        }

        @Override
        public void describe(Map<String, Object> p) {
            layers.describe(p);
        }

        @Override
        public int warmUpSteps(int lookback) {
            return layers.warmUpSteps(lookback);
        }

        @Override
        public String step(Graph g, String u) {
            return layers.step(g, u, WindowStack.NONE);
        }

        @Override
        public String sequence(Graph g, String u) {
            return layers.sequence(g, u, WindowStack.NONE);
        }
    }
}
