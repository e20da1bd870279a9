package dev.streamcast.trainer.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.NormalInitializer;
import ai.onnx.proto.OnnxMl;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.arch.components.BatchScope;
import dev.streamcast.trainer.arch.components.ChangeForecast;
import dev.streamcast.trainer.arch.components.DiagonalStates;
import dev.streamcast.trainer.arch.components.FeedForward;
import dev.streamcast.trainer.arch.components.LayerStack;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.onnx.Dense;
import dev.streamcast.trainer.onnx.Graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A stack of diagonal state-space layers (S4D, Gu et al. 2022, "On the Parameterization and
 * Initialization of Diagonal State Space Models"), with a stable real diagonal (S4D-Real: A_n =
 * -(n + 1) at the start, kept negative as A = -exp(A_log)) discretised by zero-order hold with a
 * learned step Δ per channel. Each of the C channels runs N states:
 * <pre>
 *   Ā = exp(Δ A)      B̄ = (Ā - 1) / A · B                       [C, N]
 *   h_t = Ā h_{t-1} + B̄ a_t        y_t = Σ_n C h_t + D a_t        (per channel)
 * </pre>
 * Per layer, on rows u [R, S, C]: u = u + W_O GELU(SSM(u)); then yhat_t = W_o u_t + x_t[targets] on
 * step differences as {@link ChangeForecast} frames. There is no layer norm, unlike the other three
 * stacks: a row's input is one channel's difference, and the layer norm of its projection w d is
 * sign(d) LN(w), so a pre-norm hands the first layer only the signs of the differences, while a
 * forecast of a daily load channel is close to linear in their sizes (measured in the README's
 * design notes).
 * Training and the sequence graph use the convolution form y = K * a with the kernel
 * K[c, m] = Σ_n C B̄ Ā^m (a Toeplitz matrix product over the sequence); the step graph the
 * recurrence. State: per layer carry {@code h<l>} [C, N], the same size whatever the look-back;
 * and the window {@code previous}.
 */
public final class S4D implements Architecture {

    static final int STATES = 16;
    static final float LEARNING_RATE = 1e-3f;

    @Override
    public String name() {
        return "s4d";
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        return LayerStack.fit(name(), data, options, progress, LEARNING_RATE, false, Layers::new);
    }

    private static final class Layer {
        final Parameter logDelta;  // [C]: Δ = exp(log_Δ)
        final Parameter aLog;      // [C, N]: A = -exp(A_log)
        final Parameter b;         // [C, N]
        final Parameter c;         // [C, N]
        final Parameter d;         // [C]
        final Linear wO;

        Layer(LayerStack stack, int l, int channels, int states) {
            String p = "layer" + l + "_";
            logDelta = stack.parameter(p + "log_Delta", new Shape(channels), (m, shape, type) -> {
                float[] v = new float[channels];   // log Δ spread evenly over [log 1e-3, log 1e-1]
                for (int i = 0; i < channels; i++) {
                    v[i] = (float) DiagonalStates.logDelta(i, channels);
                }
                return m.create(v);
            });
            aLog = stack.parameter(p + "A_log", new Shape(channels, states), DiagonalStates.realDiagonal(channels, states));
            b = stack.parameter(p + "B", new Shape(channels, states), Initializer.ONES);
            c = stack.parameter(p + "C", new Shape(channels, states), new NormalInitializer((float) (1 / Math.sqrt(states))));
            d = stack.parameter(p + "D", new Shape(channels), Initializer.ONES);
            wO = stack.add(p + "W_O", Linear.builder().setUnits(channels).build());
        }
    }

    /** The zero-order-hold discretisation: Δ A, Ā and B̄, each [C, N]; computed by the framework for training and export alike. */
    static NDArray[] discretise(NDArray logDelta, NDArray aLog, NDArray b) {
        NDArray a = aLog.exp().neg();                                                         // [C, N], negative
        NDArray deltaA = logDelta.exp().expandDims(1).mul(a);
        NDArray aBar = deltaA.exp();
        NDArray bBar = aBar.sub(1f).div(a).mul(b);
        return new NDArray[]{deltaA, aBar, bBar};
    }

    private static final class Layers implements LayerStack.Layers {
        private final ChangeForecast framing;
        private final int channels;
        private final int states;
        private final float dropout;
        private final List<Layer> layers = new ArrayList<>();

        Layers(LayerStack stack) {
            this.framing = stack.framing();
            this.channels = stack.channels();
            this.states = STATES;
            this.dropout = stack.dropout();
            for (int l = 0; l < stack.depth(); l++) {
                layers.add(new Layer(stack, l, channels, states));
            }
        }

        /** y = K * a + D a for a [R, S, C], K[c, m] = Σ_n C B̄ Ā^m, as a Toeplitz product per channel. */
        private NDArray ssm(ParameterStore store, Layer layer, NDArray a, boolean training) {
            long steps = a.getShape().get(1);
            NDManager manager = a.getManager();
            NDArray[] disc = discretise(BatchScope.of(a, store.getValue(layer.logDelta, a.getDevice(), training)),
                    BatchScope.of(a, store.getValue(layer.aLog, a.getDevice(), training)),
                    BatchScope.of(a, store.getValue(layer.b, a.getDevice(), training)));
            NDArray coefficient = disc[2].mul(store.getValue(layer.c, a.getDevice(), training));      // C B̄ [C, N]
            NDArray m = manager.arange(0f, (float) steps).reshape(1, 1, steps);
            NDArray kernel = coefficient.expandDims(2).mul(disc[0].expandDims(2).mul(m).exp()).sum(new int[]{1}); // [C, S]
            NDArray padded = kernel.concat(manager.zeros(new Shape(channels, 1)), 1);                 // [C, S + 1]
            long[] index = new long[(int) (steps * steps)];
            for (int t = 0; t < steps; t++) {
                for (int s = 0; s < steps; s++) {
                    index[(int) (t * steps + s)] = t >= s ? t - s : steps;
                }
            }
            NDArray toeplitz = padded.get(new NDIndex(":, {}", manager.create(index))).reshape(channels, steps, steps);
            NDArray y = toeplitz.matMul(a.transpose(2, 1, 0)).transpose(2, 1, 0);                    // [R, S, C]
            return y.add(a.mul(store.getValue(layer.d, a.getDevice(), training)));
        }

        @Override
        public NDArray forward(ParameterStore store, NDArray u, boolean training) {
            for (Layer layer : layers) {
                NDArray y = FeedForward.gelu(ssm(store, layer, u, training));
                u = u.add(FeedForward.dropout(layer.wO.forward(store, new NDList(y), training).singletonOrThrow(), dropout, training));
            }
            return u;
        }

        @Override
        public void initialize(NDManager manager, DataType dataType) {
            for (Layer layer : layers) {
                layer.wO.initialize(manager, dataType, new Shape(1, channels));
            }
        }

        @Override
        public List<StateTensor> state() {
            List<StateTensor> state = new ArrayList<>();
            for (int l = 0; l < layers.size(); l++) {
                state.add(framing.carry("h" + l, channels, states));
            }
            return state;
        }

        @Override
        public void describe(Map<String, Object> p) {
            p.put("states", (long) states);
            p.put("layers", (long) layers.size());
            p.put("discretisation", "zoh");
        }

        /** Δ A, Ā, B̄ of a layer as trained, as float arrays [C, N]. */
        private float[][] discretised(Layer layer) {
            try (NDManager scratch = layer.aLog.getArray().getManager().newSubManager()) {
                NDArray[] disc = discretise(copy(scratch, layer.logDelta), copy(scratch, layer.aLog), copy(scratch, layer.b));
                float[][] out = new float[disc.length][];
                for (int i = 0; i < disc.length; i++) {
                    out[i] = disc[i].toFloatArray();
                }
                return out;
            }
        }

        private static NDArray copy(NDManager manager, Parameter p) {
            return manager.create(p.getArray().toFloatArray(), p.getArray().getShape());
        }

        @Override
        public String step(Graph g, String u) {
            int c = channels;
            int n = states;
            for (int l = 0; l < layers.size(); l++) {
                Layer layer = layers.get(l);
                String name = "layer" + l;
                float[][] disc = discretised(layer);
                String h = g.node("Add", new String[]{
                        g.node("Mul", new String[]{g.constant(name + "_A_bar", disc[1], c, n), framing.carryIn(g, "h" + l, c, n)}),
                        g.node("Mul", new String[]{g.constant(name + "_B_bar", disc[2], c, n),
                                g.node("Unsqueeze", new String[]{u, g.ints("axes", 2)})})});           // [R, C, N]
                framing.carryOut(g, h, "h" + l, c, n);
                String y = g.node("Add", new String[]{
                        g.node("ReduceSum", new String[]{g.node("Mul", new String[]{h,
                                g.constant(name + "_C", layer.c.getArray().toFloatArray(), c, n)}), g.ints("axes", -1)},
                                Graph.Attr.i("keepdims", 0)),
                        g.node("Mul", new String[]{u, g.constant(name + "_D", layer.d.getArray().toFloatArray(), c)})});
                u = g.node("Add", new String[]{u, Dense.apply(g, FeedForward.gelu(g, y), layer.wO, name + "_W_O")});
            }
            return u;
        }

        @Override
        public String sequence(Graph g, String u) {
            int c = channels;
            int n = states;
            String steps = g.node("Squeeze", new String[]{framing.steps(g), g.ints("axes", 0)});
            String s = g.node("Range", new String[]{g.scalar("zero", 0), steps, g.scalar("step", 1)});   // [S]
            String m = g.node("Cast", new String[]{s}, Graph.Attr.i("to", OnnxMl.TensorProto.DataType.FLOAT.getNumber()));
            // Toeplitz indices [S, S]: t - s on and below the diagonal, S (a zero column) above it
            String offsets = g.node("Sub", new String[]{g.node("Unsqueeze", new String[]{s, g.ints("axes", 1)}),
                    g.node("Unsqueeze", new String[]{s, g.ints("axes", 0)})});
            String index = g.node("Where", new String[]{g.node("GreaterOrEqual", new String[]{offsets, g.scalar("zero", 0)}),
                    offsets, steps});
            for (int l = 0; l < layers.size(); l++) {
                Layer layer = layers.get(l);
                String name = "layer" + l;
                float[][] disc = discretised(layer);
                float[] coefficient = layer.c.getArray().toFloatArray();
                for (int i = 0; i < coefficient.length; i++) {
                    coefficient[i] *= disc[2][i];
                }
                String powers = g.node("Exp", new String[]{g.node("Mul", new String[]{
                        g.constant(name + "_delta_A", disc[0], c, n, 1), m})});                       // Ā^m [C, N, S]
                String kernel = g.node("ReduceSum", new String[]{g.node("Mul", new String[]{
                        g.constant(name + "_CB_bar", coefficient, c, n, 1), powers}), g.ints("axes", 1)},
                        Graph.Attr.i("keepdims", 0));                                                 // [C, S]
                String padded = g.node("Pad", new String[]{kernel, g.ints("pads", 0, 0, 0, 1)});     // [C, S + 1]
                String toeplitz = g.node("Gather", new String[]{padded, index}, Graph.Attr.i("axis", 1)); // [C, S, S]
                String convolved = g.node("Transpose", new String[]{g.node("MatMul", new String[]{toeplitz,
                        g.node("Transpose", new String[]{u}, Graph.Attr.ints("perm", 2, 1, 0))})},
                        Graph.Attr.ints("perm", 2, 1, 0));                                            // [R, S, C]
                String y = g.node("Add", new String[]{convolved,
                        g.node("Mul", new String[]{u, g.constant(name + "_D", layer.d.getArray().toFloatArray(), c)})});
                u = g.node("Add", new String[]{u, Dense.apply(g, FeedForward.gelu(g, y), layer.wO, name + "_W_O")});
            }
            return u;
        }
    }
}
