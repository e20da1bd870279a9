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
import ai.djl.util.PairList;
import ai.onnx.proto.OnnxMl;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.onnx.Dense;
import dev.streamcast.trainer.onnx.Graph;
import dev.streamcast.trainer.training.Fitter;
import dev.streamcast.trainer.training.ForecastBlock;

import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 * forecast of a daily load channel is close to linear in their sizes (in mode M on ETTh1, H = 96:
 * test MSE 0.6411 with the norms, 0.4876 and 0.5368 in two runs without; see the README).
 * Training and the sequence graph use the convolution form y = K * a with the kernel
 * K[c, m] = Σ_n C B̄ Ā^m (a Toeplitz matrix product over the sequence); the step graph the
 * recurrence. State: per layer carry {@code h<l>} [C, N], the same size whatever the look-back;
 * and the window {@code previous}.
 */
public final class S4D implements Architecture {

    static final int STATES = 16;
    static final float LEARNING_RATE = 1e-3f;
    static final double MIN_DELTA = 1e-3;
    static final double MAX_DELTA = 1e-1;

    @Override
    public String name() {
        return "s4d";
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        ChangeForecast framing = new ChangeForecast(data, options);
        Net net = new Net(framing, options.hidden(), STATES, options.layers(), options.dropout());
        Fitter fitter = Fitter.fit(name(), net, data, options, progress, LEARNING_RATE);
        return new Model(net, fitter, framing, options, data.lookback());
    }

    static final class Layer {
        final Parameter logDelta;  // [C]: Δ = exp(log_Δ)
        final Parameter aLog;      // [C, N]: A = -exp(A_log)
        final Parameter b;         // [C, N]
        final Parameter c;         // [C, N]
        final Parameter d;         // [C]
        final Linear wO;

        Layer(Net net, int l, int channels, int states) {
            String p = "layer" + l + "_";
            logDelta = net.param(parameter(p + "log_Delta", new Shape(channels), (m, shape, type) -> {
                float[] v = new float[channels];   // log Δ spread evenly over [log 1e-3, log 1e-1]
                for (int i = 0; i < channels; i++) {
                    v[i] = (float) (Math.log(MIN_DELTA) + (channels == 1 ? 0.5 : (double) i / (channels - 1))
                            * (Math.log(MAX_DELTA) - Math.log(MIN_DELTA)));
                }
                return m.create(v);
            }));
            aLog = net.param(parameter(p + "A_log", new Shape(channels, states), (m, shape, type) -> {
                float[] v = new float[channels * states];   // S4D-Real: A_n = -(n + 1)
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) Math.log(i % states + 1);
                }
                return m.create(v, shape);
            }));
            b = net.param(parameter(p + "B", new Shape(channels, states), Initializer.ONES));
            c = net.param(parameter(p + "C", new Shape(channels, states), new NormalInitializer((float) (1 / Math.sqrt(states)))));
            d = net.param(parameter(p + "D", new Shape(channels), Initializer.ONES));
            wO = net.add(p + "W_O", Linear.builder().setUnits(channels).build());
        }

        private static Parameter parameter(String name, Shape shape, Initializer initializer) {
            return Parameter.builder().setName(name).setType(Parameter.Type.OTHER).optShape(shape).optInitializer(initializer).build();
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

    static final class Net extends ForecastBlock {
        final ChangeForecast framing;
        final int channels;
        final int states;
        final float dropout;
        final Linear projection;
        final List<Layer> layers = new ArrayList<>();
        final Linear head;

        Net(ChangeForecast framing, int channels, int states, int layerCount, float dropout) {
            super((byte) 1);
            this.framing = framing;
            this.channels = channels;
            this.states = states;
            this.dropout = dropout;
            projection = addChildBlock("projection", Linear.builder().setUnits(channels).build());
            for (int l = 0; l < layerCount; l++) {
                layers.add(new Layer(this, l, channels, states));
            }
            head = addChildBlock("head", framing.head());
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
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();                                             // [N, S, F]
            NDArray u = linear(store, projection, framing.rows(x), training);                  // [R, S, C]
            for (Layer layer : layers) {
                NDArray y = FeedForward.gelu(ssm(store, layer, u, training));
                u = u.add(FeedForward.dropout(linear(store, layer.wO, y, training), dropout, training));
            }
            NDArray top = lastOnly ? u.get(":, -1, :") : u;
            return new NDList(framing.forecast(linear(store, head, top, training), x, lastOnly));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return framing.outputShapes(inputShapes, lastOnly);
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            Shape row = new Shape(1, channels);
            projection.initialize(manager, dataType, new Shape(1, framing.rowInputs()));
            for (Layer layer : layers) {
                layer.wO.initialize(manager, dataType, row);
            }
            head.initialize(manager, dataType, row);
        }
    }

    private record Model(Net net, Fitter fitter, ChangeForecast framing, TrainOptions options, int lookback)
            implements ChangeModel {

        @Override
        public String architecture() {
            return "s4d";
        }

        @Override
        public Map<String, Object> hyperParameters() {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("channels", (long) net.channels);
            p.put("states", (long) net.states);
            p.put("layers", (long) net.layers.size());
            p.put("discretisation", "zoh");
            p.put("dropout", (double) net.dropout);
            framing.describe(p, options, LEARNING_RATE, lookback);
            return p;
        }

        @Override
        public List<StateTensor> state() {
            List<StateTensor> state = new ArrayList<>();
            for (int l = 0; l < net.layers.size(); l++) {
                state.add(framing.carry("h" + l, net.channels, net.states));
            }
            state.add(framing.previous());
            return state;
        }

        @Override
        public int warmUpSteps() {
            return lookback;
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
        public OnnxMl.ModelProto stepGraph() {
            Graph g = new Graph("s4d_step");
            int c = net.channels;
            int n = net.states;
            String u = Dense.apply(g, framing.stepRows(g), net.projection, "projection");            // [R, C]
            for (int l = 0; l < net.layers.size(); l++) {
                Layer layer = net.layers.get(l);
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
            framing.stepForecast(g, Dense.apply(g, u, net.head, "head"));
            return g.build();
        }

        @Override
        public OnnxMl.ModelProto sequenceGraph() {
            Graph g = new Graph("s4d_sequence");
            int c = net.channels;
            int n = net.states;
            String u = Dense.apply(g, framing.sequenceRows(g), net.projection, "projection");        // [R, S, C]
            String steps = g.node("Squeeze", new String[]{framing.steps(g), g.ints("axes", 0)});
            String s = g.node("Range", new String[]{g.scalar("zero", 0), steps, g.scalar("step", 1)});   // [S]
            String m = g.node("Cast", new String[]{s}, Graph.Attr.i("to", OnnxMl.TensorProto.DataType.FLOAT.getNumber()));
            // Toeplitz indices [S, S]: t - s on and below the diagonal, S (a zero column) above it
            String offsets = g.node("Sub", new String[]{g.node("Unsqueeze", new String[]{s, g.ints("axes", 1)}),
                    g.node("Unsqueeze", new String[]{s, g.ints("axes", 0)})});
            String index = g.node("Where", new String[]{g.node("GreaterOrEqual", new String[]{offsets, g.scalar("zero", 0)}),
                    offsets, steps});
            for (int l = 0; l < net.layers.size(); l++) {
                Layer layer = net.layers.get(l);
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
            framing.sequenceForecast(g, Dense.apply(g, u, net.head, "head"));
            return g.build();
        }
    }
}
