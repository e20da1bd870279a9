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
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.arch.components.BatchScope;
import dev.streamcast.trainer.arch.components.CausalConv;
import dev.streamcast.trainer.arch.components.ChangeForecast;
import dev.streamcast.trainer.arch.components.DiagonalStates;
import dev.streamcast.trainer.arch.components.FeedForward;
import dev.streamcast.trainer.arch.components.LayerStack;
import dev.streamcast.trainer.arch.components.Norm;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.onnx.Dense;
import dev.streamcast.trainer.onnx.Graph;

import java.util.ArrayList;
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

    @Override
    public String name() {
        return "mamba";
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        return LayerStack.fit(name(), data, options, progress, LEARNING_RATE, true, Layers::new);
    }

    /** Δ's low rank, ceil(C / 16), as in Mamba. */
    static int deltaRank(int channels) {
        return Math.max(1, (channels + 15) / 16);
    }

    private static final class Layer {
        final Norm norm;
        final Linear wIn;        // C to 2D: x and the gate z
        final CausalConv conv;   // depthwise over D, K taps
        final Linear wX;         // D to r + 2N: δ, B, C (no bias)
        final Linear wDelta;     // r to D (no bias)
        final Parameter bDelta;  // [D]
        final Parameter aLog;    // [D, N]
        final Parameter d;       // [D]
        final Linear wOut;       // D to C

        Layer(LayerStack stack, int l, int channels, int inner, int states, int rank) {
            String p = "layer" + l + "_";
            norm = stack.add(p + "LN", new Norm(channels));
            wIn = stack.add(p + "W_in", Linear.builder().setUnits(2L * inner).optBias(false).build());
            conv = new CausalConv(stack, p + "conv", "conv" + l, inner, CONV);
            wX = stack.add(p + "W_x", Linear.builder().setUnits(rank + 2L * states).optBias(false).build());
            wDelta = stack.add(p + "W_Delta", Linear.builder().setUnits(inner).optBias(false).build());
            bDelta = stack.parameter(p + "b_Delta", new Shape(inner), (m, shape, type) -> {
                float[] v = new float[inner];   // softplus(b_Δ) spread log-evenly over [1e-3, 1e-1]
                for (int i = 0; i < inner; i++) {
                    double delta = Math.exp(DiagonalStates.logDelta(i, inner));
                    v[i] = (float) (delta + Math.log(-Math.expm1(-delta)));   // the inverse of softplus
                }
                return m.create(v);
            });
            aLog = stack.parameter(p + "A_log", new Shape(inner, states), DiagonalStates.realDiagonal(inner, states));
            d = stack.parameter(p + "D", new Shape(inner), Initializer.ONES);
            wOut = stack.add(p + "W_out", Linear.builder().setUnits(channels).optBias(false).build());
        }
    }

    private static final class Layers implements LayerStack.Layers {
        private final ChangeForecast framing;
        private final int channels;
        private final int inner;
        private final int states;
        private final int rank;
        private final float dropout;
        private final List<Layer> layers = new ArrayList<>();

        Layers(LayerStack stack) {
            this.framing = stack.framing();
            this.channels = stack.channels();
            this.inner = EXPAND * channels;
            this.states = STATES;
            this.rank = deltaRank(channels);
            this.dropout = stack.dropout();
            for (int l = 0; l < stack.depth(); l++) {
                layers.add(new Layer(stack, l, channels, inner, states, rank));
            }
        }

        static NDArray silu(NDArray a) {
            return a.mul(Activation.sigmoid(a));
        }

        private NDArray block(ParameterStore store, Layer layer, NDArray u, boolean training) {
            NDArray a = layer.norm.apply(store, u, training);
            NDArray xz = linear(store, layer.wIn, a, training);                                 // [R, S, 2D]
            NDArray x = xz.get(new NDIndex(":, :, :{}", inner));
            NDArray z = xz.get(new NDIndex(":, :, {}:", inner));
            x = silu(layer.conv.forward(store, x, training));                                                                      // [R, S, D]
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
        public NDArray forward(ParameterStore store, NDArray u, boolean training) {
            for (Layer layer : layers) {
                u = block(store, layer, u, training);
            }
            return u;
        }

        private static NDArray linear(ParameterStore store, Linear layer, NDArray a, boolean training) {
            return layer.forward(store, new NDList(a), training).singletonOrThrow();
        }

        @Override
        public void initialize(NDManager manager, DataType dataType) {
            Shape row = new Shape(1, channels);
            for (Layer layer : layers) {
                layer.norm.initialize(manager, dataType, row);
                layer.wIn.initialize(manager, dataType, row);
                layer.wX.initialize(manager, dataType, new Shape(1, inner));
                layer.wDelta.initialize(manager, dataType, new Shape(1, rank));
                layer.wOut.initialize(manager, dataType, new Shape(1, inner));
            }
        }

        @Override
        public List<StateTensor> state() {
            List<StateTensor> state = new ArrayList<>();
            for (int l = 0; l < layers.size(); l++) {
                state.add(framing.carry("h" + l, inner, states));
                state.add(layers.get(l).conv.state(framing));
            }
            return state;
        }

        @Override
        public void describe(Map<String, Object> p) {
            p.put("inner", (long) inner);
            p.put("states", (long) states);
            p.put("deltaRank", (long) rank);
            p.put("conv", (long) CONV);
            p.put("layers", (long) layers.size());
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
            int r = rank;
            int n = states;
            String x = g.node("Mul", new String[]{conv, g.node("Sigmoid", new String[]{conv})});   // SiLU
            String projected = Dense.apply(g, x, layer.wX, name + "_W_x");                 // [..., r + 2N]
            String delta = g.node("Softplus", new String[]{g.node("Add", new String[]{
                    Dense.apply(g, slice(g, projected, 0, r), layer.wDelta, name + "_W_Delta"),
                    g.constant(name + "_b_Delta", values(layer.bDelta), inner)})});                // [..., D]
            String b = g.node("Unsqueeze", new String[]{slice(g, projected, r, r + n), g.ints("axes", -2)});        // [..., 1, N]
            String c = g.node("Unsqueeze", new String[]{slice(g, projected, r + n, r + 2L * n), g.ints("axes", -2)}); // [..., 1, N]
            String deltaColumn = g.node("Unsqueeze", new String[]{delta, g.ints("axes", -1)});   // [..., D, 1]
            String aBar = g.node("Exp", new String[]{g.node("Mul", new String[]{deltaColumn,
                    g.constant(name + "_A", a(layer), inner, n)})});                           // [..., D, N]
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
                    g.node("Mul", new String[]{x, g.constant(name + "_D", values(layer.d), inner)})});  // [..., D]
            String gate = g.node("Mul", new String[]{z, g.node("Sigmoid", new String[]{z})});
            return g.node("Add", new String[]{u,
                    Dense.apply(g, g.node("Mul", new String[]{y, gate}), layer.wOut, name + "_W_out")});
        }

        @Override
        public String step(Graph g, String u) {
            int d = inner;
            int n = states;
            for (int l = 0; l < layers.size(); l++) {
                Layer layer = layers.get(l);
                String name = "layer" + l;
                String xz = Dense.apply(g, layer.norm.apply(g, u, name + "_LN"), layer.wIn, name + "_W_in"); // [R, 2D]
                String x = slice(g, xz, 0, d);
                String z = slice(g, xz, d, 2L * d);
                String conv = layer.conv.step(g, framing, x);                                          // [R, D]
                String[] s = selective(g, layer, name, conv);
                String h = g.node("Add", new String[]{g.node("Mul", new String[]{s[1], framing.carryIn(g, "h" + l, d, n)}), s[2]});
                framing.carryOut(g, h, "h" + l, d, n);
                u = output(g, layer, name, u, h, s[3], s[0], z);
            }
            return u;
        }

        /** The recurrence h_t = Ā_t h_{t-1} + (Δ B x)_t over axis 1 of [R, S, D, N], from h = 0, as an ONNX Scan: every h_t. */
        private String scan(Graph g, String aBar, String bx) {
            int d = inner;
            int n = states;
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
        public String sequence(Graph g, String u) {
            int d = inner;
            String steps = framing.steps(g);
            for (int l = 0; l < layers.size(); l++) {
                Layer layer = layers.get(l);
                String name = "layer" + l;
                String xz = Dense.apply(g, layer.norm.apply(g, u, name + "_LN"), layer.wIn, name + "_W_in"); // [R, S, 2D]
                String x = slice(g, xz, 0, d);
                String z = slice(g, xz, d, 2L * d);
                String conv = layer.conv.sequence(g, x, steps);
                String[] s = selective(g, layer, name, conv);
                String h = scan(g, s[1], s[2]);
                u = output(g, layer, name, u, h, s[3], s[0], z);
            }
            return u;
        }
    }
}
