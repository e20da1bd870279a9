package dev.streamcast.trainer.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.UniformInitializer;
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
 * A stack of selective state-space blocks (Mamba, Gu and Dao 2023): the step Δ, the input matrix
 * B and the output matrix C depend on the input, so the state chooses what to keep. Each block,
 * pre-norm on rows u [R, S, C], D = 2C inner channels of N states each:
 * <pre>
 *   a = LN(u)          [x, z] = a W_in                               x, z [R, S, D]
 *   x = SiLU(conv_K(x))                                              depthwise causal, K = 4 taps
 *   [δ, B, C] = x W_x          Δ = softplus(δ W_Δ + b_Δ)              δ [r], B, C [N], Δ [D]
 *   Ā_t = exp(Δ_t A)    h_t = Ā_t h_{t-1} + Δ_t B_t x_t    y_t = C_t h_t + D x_t        A = -exp(A_log) [D, N]
 *   u = u + W_out (y ⊙ SiLU(z))
 * </pre>
 * then yhat_t = W_o LN_f(u_t) + x_t[targets] on step differences as {@link ChangeForecast} frames.
 * Training runs the recurrence as a loop over time in DJL; the sequence graph as an ONNX Scan;
 * each step of the step graph costs O(1). State: per layer carry {@code h<l>} [D, N] and a window
 * {@code conv<l>} of the K - 1 previous conv inputs [D]; and the window {@code previous}.
 */
public final class Mamba implements Architecture {

    static final int STATES = 8;
    static final int EXPAND = 2;
    static final int CONV = 4;
    static final float LEARNING_RATE = 1e-3f;
    static final double MIN_DELTA = 1e-3;
    static final double MAX_DELTA = 1e-1;

    @Override
    public String name() {
        return "mamba";
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        ChangeForecast framing = new ChangeForecast(data, options);
        Net net = new Net(framing, options.hidden(), options.layers(), options.dropout());
        Fitter fitter = Fitter.fit(name(), net, data, options, progress, LEARNING_RATE);
        return new Model(net, fitter, framing, options, data.lookback());
    }

    /** Δ's low rank, ceil(C / 16), as in Mamba. */
    static int deltaRank(int channels) {
        return Math.max(1, (channels + 15) / 16);
    }

    static final class Layer {
        final Norm norm;
        final Linear wIn;        // C to 2D: x and the gate z
        final Parameter convW;   // [D, K]: tap m weighs x_{t-m}
        final Parameter convB;   // [D]
        final Linear wX;         // D to r + 2N: δ, B, C (no bias)
        final Linear wDelta;     // r to D (no bias)
        final Parameter bDelta;  // [D]
        final Parameter aLog;    // [D, N]
        final Parameter d;       // [D]
        final Linear wOut;       // D to C

        Layer(Net net, int l, int channels, int inner, int states, int rank) {
            String p = "layer" + l + "_";
            norm = net.add(p + "LN", new Norm(channels));
            wIn = net.add(p + "W_in", Linear.builder().setUnits(2L * inner).optBias(false).build());
            convW = net.param(parameter(p + "conv_w", new Shape(inner, CONV), new UniformInitializer((float) (1 / Math.sqrt(CONV)))));
            convB = net.param(parameter(p + "conv_b", new Shape(inner), Initializer.ZEROS));
            wX = net.add(p + "W_x", Linear.builder().setUnits(rank + 2L * states).optBias(false).build());
            wDelta = net.add(p + "W_Delta", Linear.builder().setUnits(inner).optBias(false).build());
            bDelta = net.param(parameter(p + "b_Delta", new Shape(inner), (m, shape, type) -> {
                float[] v = new float[inner];   // softplus(b_Δ) spread log-evenly over [1e-3, 1e-1]
                for (int i = 0; i < inner; i++) {
                    double delta = Math.exp(Math.log(MIN_DELTA) + (inner == 1 ? 0.5 : (double) i / (inner - 1))
                            * (Math.log(MAX_DELTA) - Math.log(MIN_DELTA)));
                    v[i] = (float) (delta + Math.log(-Math.expm1(-delta)));   // the inverse of softplus
                }
                return m.create(v);
            }));
            aLog = net.param(parameter(p + "A_log", new Shape(inner, states), (m, shape, type) -> {
                float[] v = new float[inner * states];   // A_n = -(n + 1), as S4D-Real
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) Math.log(i % states + 1);
                }
                return m.create(v, shape);
            }));
            d = net.param(parameter(p + "D", new Shape(inner), Initializer.ONES));
            wOut = net.add(p + "W_out", Linear.builder().setUnits(channels).optBias(false).build());
        }

        private static Parameter parameter(String name, Shape shape, Initializer initializer) {
            return Parameter.builder().setName(name).setType(Parameter.Type.OTHER).optShape(shape).optInitializer(initializer).build();
        }
    }

    static final class Net extends ForecastBlock {
        final ChangeForecast framing;
        final int channels;
        final int inner;
        final int states;
        final int rank;
        final float dropout;
        final Linear projection;
        final List<Layer> layers = new ArrayList<>();
        final Norm finalNorm;
        final Linear head;

        Net(ChangeForecast framing, int channels, int layerCount, float dropout) {
            super((byte) 1);
            this.framing = framing;
            this.channels = channels;
            this.inner = EXPAND * channels;
            this.states = STATES;
            this.rank = deltaRank(channels);
            this.dropout = dropout;
            projection = addChildBlock("projection", Linear.builder().setUnits(channels).build());
            for (int l = 0; l < layerCount; l++) {
                layers.add(new Layer(this, l, channels, inner, states, rank));
            }
            finalNorm = addChildBlock("LN_f", new Norm(channels));
            head = addChildBlock("head", framing.head());
        }

        static NDArray silu(NDArray a) {
            return a.mul(Activation.sigmoid(a));
        }

        /** v [R, S, D] delayed by {@code by} steps along the sequence, zeros first. */
        private static NDArray delayed(NDArray v, long by) {
            long steps = v.getShape().get(1);
            if (by == 0) {
                return v;
            }
            if (by >= steps) {
                return v.zerosLike();
            }
            return v.zerosLike().get(new NDIndex(":, :{}, :", by)).concat(v.get(new NDIndex(":, :{}, :", steps - by)), 1);
        }

        private NDArray block(ParameterStore store, Layer layer, NDArray u, boolean training) {
            NDArray a = layer.norm.apply(store, u, training);
            NDArray xz = linear(store, layer.wIn, a, training);                                 // [R, S, 2D]
            NDArray x = xz.get(new NDIndex(":, :, :{}", inner));
            NDArray z = xz.get(new NDIndex(":, :, {}:", inner));
            NDArray w = BatchScope.of(u, store.getValue(layer.convW, u.getDevice(), training));    // [D, K]
            NDArray conv = x.mul(w.get(new NDIndex(":, 0"))).add(store.getValue(layer.convB, u.getDevice(), training));
            for (int m = 1; m < CONV; m++) {
                conv = conv.add(delayed(x, m).mul(w.get(new NDIndex(":, {}", m))));
            }
            x = silu(conv);                                                                      // [R, S, D]
            NDArray projected = linear(store, layer.wX, x, training);                           // [R, S, r + 2N]
            NDArray delta = Activation.softPlus(linear(store, layer.wDelta,
                    projected.get(new NDIndex(":, :, :{}", rank)), training)
                    .add(store.getValue(layer.bDelta, u.getDevice(), training)));               // [R, S, D]
            NDArray b = projected.get(new NDIndex(":, :, {}:{}", rank, rank + states));         // [R, S, N]
            NDArray c = projected.get(new NDIndex(":, :, {}:", rank + states));
            NDArray aMatrix = BatchScope.of(u, store.getValue(layer.aLog, u.getDevice(), training)).exp().neg(); // [D, N]
            NDArray y = scan(u.getManager(), delta, delta.mul(x), b, c, aMatrix)
                    .add(x.mul(store.getValue(layer.d, u.getDevice(), training)));               // [R, S, D]
            NDArray out = linear(store, layer.wOut, y.mul(silu(z)), training);
            return u.add(FeedForward.dropout(out, dropout, training));
        }

        /**
         * y_t = C_t h_t over the recurrence h_t = exp(Δ_t A) h_{t-1} + (Δ x)_t B_t from h = 0, for Δ, Δx
         * [R, S, D], B, C [R, S, N] and A [D, N]: y [R, S, D]. It runs one step at a time on [R, 1, D, N]
         * tensors, each step's temporaries freed when it ends (autograd keeps what backward needs), so
         * nothing of [R, S, D, N] is held whole: 88 MB per tensor for a training batch in mode M (one row
         * per channel), 700 MB for an evaluation chunk. Inputs are split once, not sliced per step: a
         * slice's gradient is a zero tensor of the whole input with one step filled.
         */
        private static NDArray scan(NDManager manager, NDArray delta, NDArray deltaX, NDArray b, NDArray c, NDArray a) {
            long steps = delta.getShape().get(1);
            NDList deltas = delta.split(steps, 1);                                               // S × [R, 1, D]
            NDList inputs = deltaX.split(steps, 1);
            NDList bs = b.expandDims(2).split(steps, 1);                                         // S × [R, 1, 1, N]
            NDList cs = c.expandDims(2).split(steps, 1);
            NDList ys = new NDList();
            NDArray h = null;
            for (int t = 0; t < steps; t++) {
                try (NDManager step = manager.newSubManager()) {
                    NDArray in = inputs.get(t);
                    NDArray dt = deltas.get(t);
                    in.tempAttach(step);                                   // an op's result joins its first operand's manager
                    dt.tempAttach(step);
                    NDArray bx = in.expandDims(3).mul(bs.get(t));                               // [R, 1, D, N]
                    NDArray next = h == null ? bx : dt.expandDims(3).mul(a).exp().mul(h).add(bx);
                    NDArray yt = next.mul(cs.get(t)).sum(new int[]{3});                          // [R, 1, D]
                    next.attach(manager);
                    yt.attach(manager);
                    if (h != null) {
                        h.close();
                    }
                    h = next;
                    ys.add(yt);
                }
            }
            NDArray y = NDArrays.concat(ys, 1);
            h.close();
            for (NDList done : List.of(ys, deltas, inputs, bs, cs)) {
                done.close();
            }
            return y;
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();                                             // [N, S, F]
            NDArray u = linear(store, projection, framing.rows(x), training);                  // [R, S, C]
            for (Layer layer : layers) {
                u = block(store, layer, u, training);
            }
            NDArray top = finalNorm.apply(store, lastOnly ? u.get(":, -1, :") : u, training);
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
                layer.norm.initialize(manager, dataType, row);
                layer.wIn.initialize(manager, dataType, row);
                layer.wX.initialize(manager, dataType, new Shape(1, inner));
                layer.wDelta.initialize(manager, dataType, new Shape(1, rank));
                layer.wOut.initialize(manager, dataType, new Shape(1, inner));
            }
            finalNorm.initialize(manager, dataType, row);
            head.initialize(manager, dataType, row);
        }
    }

    private record Model(Net net, Fitter fitter, ChangeForecast framing, TrainOptions options, int lookback)
            implements ChangeModel {

        @Override
        public String architecture() {
            return "mamba";
        }

        @Override
        public Map<String, Object> hyperParameters() {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("channels", (long) net.channels);
            p.put("inner", (long) net.inner);
            p.put("states", (long) net.states);
            p.put("deltaRank", (long) net.rank);
            p.put("conv", (long) CONV);
            p.put("layers", (long) net.layers.size());
            p.put("dropout", (double) net.dropout);
            framing.describe(p, options, LEARNING_RATE, lookback);
            return p;
        }

        @Override
        public List<StateTensor> state() {
            List<StateTensor> state = new ArrayList<>();
            for (int l = 0; l < net.layers.size(); l++) {
                state.add(framing.carry("h" + l, net.inner, net.states));
                state.add(framing.window("conv" + l, CONV - 1, net.inner));
            }
            state.add(framing.previous());
            return state;
        }

        @Override
        public int warmUpSteps() {
            return lookback;
        }

        private static float[] values(Parameter p) {
            return p.getArray().toFloatArray();
        }

        /** A = -exp(A_log) [D, N]. */
        private static float[] a(Layer layer) {
            float[] a = values(layer.aLog);
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) -Math.exp(a[i]);
            }
            return a;
        }

        /**
         * What the step and the sequence graph share after the conv: from x [..., D] (conv output,
         * before SiLU) and z [..., D], the pieces of the recurrence: Ā and Δ B x [..., D, N], C [..., 1, N],
         * and the output y from the states h [..., D, N].
         */
        private String[] selective(Graph g, Layer layer, String name, String conv) {
            int r = net.rank;
            int n = net.states;
            String x = g.node("Mul", new String[]{conv, g.node("Sigmoid", new String[]{conv})});   // SiLU
            String projected = Dense.apply(g, x, layer.wX, name + "_W_x");                 // [..., r + 2N]
            String delta = g.node("Softplus", new String[]{g.node("Add", new String[]{
                    Dense.apply(g, slice(g, projected, 0, r), layer.wDelta, name + "_W_Delta"),
                    g.constant(name + "_b_Delta", values(layer.bDelta), net.inner)})});                // [..., D]
            String b = g.node("Unsqueeze", new String[]{slice(g, projected, r, r + n), g.ints("axes", -2)});        // [..., 1, N]
            String c = g.node("Unsqueeze", new String[]{slice(g, projected, r + n, r + 2L * n), g.ints("axes", -2)}); // [..., 1, N]
            String deltaColumn = g.node("Unsqueeze", new String[]{delta, g.ints("axes", -1)});   // [..., D, 1]
            String aBar = g.node("Exp", new String[]{g.node("Mul", new String[]{deltaColumn,
                    g.constant(name + "_A", a(layer), net.inner, n)})});                           // [..., D, N]
            String bx = g.node("Mul", new String[]{g.node("Unsqueeze", new String[]{
                    g.node("Mul", new String[]{delta, x}), g.ints("axes", -1)}), b});               // [..., D, N]
            return new String[]{x, aBar, bx, c};
        }

        private static String slice(Graph g, String v, long from, long to) {
            return g.node("Slice", new String[]{v, g.ints("start", from), g.ints("end", to), g.ints("axes", -1)});
        }

        /** y = C h + D x, gated by SiLU(z), through W_out, added to u. */
        private String output(Graph g, Layer layer, String name, String u, String h, String c, String x, String z) {
            String y = g.node("Add", new String[]{
                    g.node("ReduceSum", new String[]{g.node("Mul", new String[]{h, c}), g.ints("axes", -1)},
                            Graph.Attr.i("keepdims", 0)),
                    g.node("Mul", new String[]{x, g.constant(name + "_D", values(layer.d), net.inner)})});  // [..., D]
            String gate = g.node("Mul", new String[]{z, g.node("Sigmoid", new String[]{z})});
            return g.node("Add", new String[]{u,
                    Dense.apply(g, g.node("Mul", new String[]{y, gate}), layer.wOut, name + "_W_out")});
        }

        @Override
        public OnnxMl.ModelProto stepGraph() {
            Graph g = new Graph("mamba_step");
            int d = net.inner;
            int n = net.states;
            String u = Dense.apply(g, framing.stepRows(g), net.projection, "projection");            // [R, C]
            for (int l = 0; l < net.layers.size(); l++) {
                Layer layer = net.layers.get(l);
                String name = "layer" + l;
                String xz = Dense.apply(g, layer.norm.apply(g, u, name + "_LN"), layer.wIn, name + "_W_in"); // [R, 2D]
                String x = slice(g, xz, 0, d);
                String z = slice(g, xz, d, 2L * d);
                // the ring holds x_{t-3}, x_{t-2}, x_{t-1}; with x_t, slot j of K carries tap K - 1 - j
                String ring = framing.windowIn(g, "conv" + l, CONV - 1, d);                            // [R, K - 1, D]
                framing.windowOut(g, x, "conv" + l, d);
                String taps = g.node("Concat", new String[]{ring, g.node("Unsqueeze", new String[]{x, g.ints("axes", 1)})},
                        Graph.Attr.i("axis", 1));                                                       // [R, K, D]
                float[] w = values(layer.convW);
                float[] bySlot = new float[CONV * d];
                for (int j = 0; j < CONV; j++) {
                    for (int i = 0; i < d; i++) {
                        bySlot[j * d + i] = w[i * CONV + (CONV - 1 - j)];
                    }
                }
                String conv = g.node("Add", new String[]{g.node("ReduceSum", new String[]{
                        g.node("Mul", new String[]{taps, g.constant(name + "_conv_w", bySlot, CONV, d)}), g.ints("axes", 1)},
                        Graph.Attr.i("keepdims", 0)), g.constant(name + "_conv_b", values(layer.convB), d)}); // [R, D]
                String[] s = selective(g, layer, name, conv);
                String h = g.node("Add", new String[]{g.node("Mul", new String[]{s[1], framing.carryIn(g, "h" + l, d, n)}), s[2]});
                framing.carryOut(g, h, "h" + l, d, n);
                u = output(g, layer, name, u, h, s[3], s[0], z);
            }
            framing.stepForecast(g, Dense.apply(g, net.finalNorm.apply(g, u, "LN_f"), net.head, "head"));
            return g.build();
        }

        /** The recurrence h_t = Ā_t h_{t-1} + (Δ B x)_t over axis 1 of [R, S, D, N], from h = 0, as an ONNX Scan: every h_t. */
        private String scan(Graph g, String aBar, String bx) {
            int d = net.inner;
            int n = net.states;
            Graph body = g.body("selective_scan");
            String h = body.input(body.name("h"), Graph.BATCH, d, n);
            String aT = body.input(body.name("a_bar"), Graph.BATCH, d, n);
            String bxT = body.input(body.name("bx"), Graph.BATCH, d, n);
            String next = body.node("Add", new String[]{body.node("Mul", new String[]{aT, h}), bxT});
            body.output(next, body.name("h_next"), Graph.BATCH, d, n);
            body.output(next, body.name("h_t"), Graph.BATCH, d, n);
            String shape = g.node("Concat", new String[]{g.node("Slice", new String[]{g.node("Shape", new String[]{aBar}),
                    g.ints("start", 0), g.ints("end", 1)}), g.ints("state", d, n)}, Graph.Attr.i("axis", 0));
            String h0 = g.node("Expand", new String[]{g.constant("zero", new float[]{0f}, 1), shape});    // [R, D, N]
            return g.nodeMulti("Scan", new String[]{h0, aBar, bx}, new String[]{g.name("h_last"), g.name("h_all")},
                    Graph.Attr.graph("body", body.buildGraph()), Graph.Attr.i("num_scan_inputs", 2),
                    Graph.Attr.ints("scan_input_axes", 1, 1), Graph.Attr.ints("scan_output_axes", 1))[1];  // [R, S, D, N]
        }

        @Override
        public OnnxMl.ModelProto sequenceGraph() {
            Graph g = new Graph("mamba_sequence");
            int d = net.inner;
            String u = Dense.apply(g, framing.sequenceRows(g), net.projection, "projection");        // [R, S, C]
            String steps = framing.steps(g);
            for (int l = 0; l < net.layers.size(); l++) {
                Layer layer = net.layers.get(l);
                String name = "layer" + l;
                String xz = Dense.apply(g, layer.norm.apply(g, u, name + "_LN"), layer.wIn, name + "_W_in"); // [R, S, 2D]
                String x = slice(g, xz, 0, d);
                String z = slice(g, xz, d, 2L * d);
                float[] w = values(layer.convW);
                String conv = g.constant(name + "_conv_b", values(layer.convB), d);
                for (int m = 0; m < CONV; m++) {
                    float[] tap = new float[d];
                    for (int i = 0; i < d; i++) {
                        tap[i] = w[i * CONV + m];
                    }
                    String lagged = m == 0 ? x : g.node("Slice", new String[]{
                            g.node("Pad", new String[]{x, g.ints("pads", 0, m, 0, 0, 0, 0)}),
                            g.ints("start", 0), steps, g.ints("axes", 1)});                              // x_{t-m}, zeros first
                    conv = g.node("Add", new String[]{conv, g.node("Mul", new String[]{lagged, g.constant(name + "_tap", tap, d)})});
                }
                String[] s = selective(g, layer, name, conv);
                String h = scan(g, s[1], s[2]);
                u = output(g, layer, name, u, h, s[3], s[0], z);
            }
            framing.sequenceForecast(g, Dense.apply(g, net.finalNorm.apply(g, u, "LN_f"), net.head, "head"));
            return g.build();
        }
    }
}
