package dev.streamcast.trainer.arch.components;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.UniformInitializer;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.onnx.Graph;

/**
 * A depthwise causal convolution of K taps on rows a [R, S, C], y_t = Σ_{m<K} w[:, m] a_{t-m} + b,
 * registered on a {@link LayerStack} as {@code <prefix>_w} [C, K] and {@code <prefix>_b} [C]. The step
 * graph reads its taps from a window of the K - 1 previous inputs [C].
 */
public final class CausalConv {

    private final String name;
    private final String window;
    private final int channels;
    private final int taps;
    private final Parameter w;   // [C, K]: tap m weighs a_{t-m}
    private final Parameter b;   // [C]

    /** Parameters {@code <name>_w}, {@code <name>_b}; the step graph's window {@code window}. */
    public CausalConv(LayerStack stack, String name, String window, int channels, int taps) {
        this.name = name;
        this.window = window;
        this.channels = channels;
        this.taps = taps;
        w = stack.parameter(name + "_w", new Shape(channels, taps), new UniformInitializer((float) (1 / Math.sqrt(taps))));
        b = stack.parameter(name + "_b", new Shape(channels), Initializer.ZEROS);
    }

    /** The convolution of a [R, S, C] in DJL. */
    public NDArray forward(ParameterStore store, NDArray a, boolean training) {
        NDArray weights = BatchScope.of(a, store.getValue(w, a.getDevice(), training));       // [C, K]
        NDArray y = a.mul(weights.get(new NDIndex(":, 0"))).add(store.getValue(b, a.getDevice(), training));
        for (int m = 1; m < taps; m++) {
            y = y.add(CausalShift.delayed(a, m).mul(weights.get(new NDIndex(":, {}", m))));
        }
        return y;
    }

    /** Its window: the K - 1 previous inputs. */
    public StateTensor state(ChangeForecast framing) {
        return framing.window(window, taps - 1, channels);
    }

    /** One step on a [R, C], reading and writing the window: y [R, C]. */
    public String step(Graph g, ChangeForecast framing, String a) {
        int c = channels;
        String ring = framing.windowIn(g, window, taps - 1, c);                                 // [R, K - 1, C], oldest first
        framing.windowOut(g, a, window, c);
        String all = g.node("Concat", new String[]{ring, g.node("Unsqueeze", new String[]{a, g.ints("axes", 1)})},
                Graph.Attr.i("axis", 1));                                                      // [R, K, C]
        float[] weights = w.getArray().toFloatArray();
        float[] bySlot = new float[taps * c];   // slot j of K carries tap K - 1 - j
        for (int j = 0; j < taps; j++) {
            for (int i = 0; i < c; i++) {
                bySlot[j * c + i] = weights[i * taps + (taps - 1 - j)];
            }
        }
        return g.node("Add", new String[]{g.node("ReduceSum", new String[]{
                g.node("Mul", new String[]{all, g.constant(name + "_w", bySlot, taps, c)}), g.ints("axes", 1)},
                Graph.Attr.i("keepdims", 0)), g.constant(name + "_b", b.getArray().toFloatArray(), c)});
    }

    /** The convolution of a sequence a [R, S, C] from zero state, {@code steps} the one-element S. */
    public String sequence(Graph g, String a, String steps) {
        float[] weights = w.getArray().toFloatArray();
        String y = g.constant(name + "_b", b.getArray().toFloatArray(), channels);
        for (int m = 0; m < taps; m++) {
            float[] tap = new float[channels];
            for (int i = 0; i < channels; i++) {
                tap[i] = weights[i * taps + m];
            }
            String lagged = m == 0 ? a : CausalShift.delayed(g, a, steps, m);
            y = g.node("Add", new String[]{y, g.node("Mul", new String[]{lagged, g.constant(name + "_tap", tap, channels)})});
        }
        return y;
    }
}
