package dev.streamcast.trainer.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
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
 * Kernelised causal attention ("Transformers are RNNs", Katharopoulos et al. 2020): the softmax
 * kernel is replaced by a positive feature map φ(a) = elu(a) + 1, so attention over the past is
 * a pair of running sums and each step costs O(1). The sums decay by a learned γ_h per head (as in
 * RetNet and gated linear attention): without it, a stream's sums would average its whole history,
 * unlike the L-step windows the model was trained on. Per layer, pre-norm, on rows u [R, S, C]:
 * <pre>
 *   a = LN_1(u)     q = φ(a W_Q), k = φ(a W_K), v = a W_V   (n_heads heads of d = C / n_heads)
 *   S_t = γ S_{t-1} + k_t v_t^T   [d, d]      z_t = γ z_{t-1} + k_t   [d]      γ = sigmoid(θ)
 *   o_t = q_t^T S_t / (q_t^T z_t + ε)
 *   u = u + W_O concat_heads o        u = u + W_2 GELU(W_1 LN_2(u))
 * </pre>
 * Training and the sequence graph use the equivalent attention form,
 * o_t = Σ_{s<=t} γ^{t-s} (q_t·k_s) v_s / Σ_{s<=t} γ^{t-s} (q_t·k_s); the step graph the recurrent one.
 * State: per layer carry {@code S<l>} [heads, d, d] and {@code z<l>} [heads, d], the same size
 * whatever the sequence length; and the window {@code previous}.
 */
public final class LinearAttention implements Architecture {

    static final int HEADS = 4;
    static final float EPSILON = 1e-6f;
    static final float LEARNING_RATE = 1e-3f;

    @Override
    public String name() {
        return "linear-attention";
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        if (options.hidden() % HEADS != 0) {
            throw new IllegalArgumentException("linear-attention needs --hidden divisible by its " + HEADS + " heads, got "
                    + options.hidden());
        }
        ChangeForecast framing = new ChangeForecast(data, options);
        Net net = new Net(framing, options.hidden(), options.layers(), options.dropout());
        Fitter fitter = Fitter.fit(name(), net, data, options, progress, LEARNING_RATE);
        return new Model(net, fitter, framing, options, data.lookback());
    }

    static final class Layer {
        final Norm norm;
        final Linear wQ;
        final Linear wK;
        final Linear wV;
        final Linear wO;
        final Parameter theta;  // [heads]: γ = sigmoid(θ)
        final FeedForward feedForward;

        Layer(Net net, int l, int channels, float dropout) {
            norm = net.add("layer" + l + "_LN_1", new Norm(channels));
            wQ = net.add("layer" + l + "_W_Q", Linear.builder().setUnits(channels).build());
            wK = net.add("layer" + l + "_W_K", Linear.builder().setUnits(channels).build());
            wV = net.add("layer" + l + "_W_V", Linear.builder().setUnits(channels).build());
            wO = net.add("layer" + l + "_W_O", Linear.builder().setUnits(channels).build());
            theta = net.param(Parameter.builder().setName("layer" + l + "_theta").setType(Parameter.Type.OTHER)
                    .optShape(new Shape(HEADS)).optInitializer((m, shape, type) -> m.create(initialTheta())).build());
            feedForward = net.add("layer" + l + "_FFN", new FeedForward(channels, 2 * channels, dropout));
        }

        /** Decays at several time scales to start from: γ_h = 1 - 2^-(3 + h), 0.875 to 0.984 for four heads. */
        static float[] initialTheta() {
            float[] theta = new float[HEADS];
            for (int h = 0; h < HEADS; h++) {
                double gamma = 1 - Math.pow(2, -(3 + h));
                theta[h] = (float) Math.log(gamma / (1 - gamma));
            }
            return theta;
        }

        /** log γ [heads] as trained, for the graphs. */
        float[] logGamma() {
            float[] theta = this.theta.getArray().toFloatArray();
            float[] log = new float[theta.length];
            for (int h = 0; h < theta.length; h++) {
                log[h] = (float) -Math.log1p(Math.exp(-theta[h]));
            }
            return log;
        }
    }

    static final class Net extends ForecastBlock {
        final ChangeForecast framing;
        final int channels;
        final float dropout;
        final Linear projection;
        final List<Layer> layers = new ArrayList<>();
        final Norm finalNorm;
        final Linear head;

        Net(ChangeForecast framing, int channels, int layerCount, float dropout) {
            super((byte) 1);
            this.framing = framing;
            this.channels = channels;
            this.dropout = dropout;
            projection = addChildBlock("projection", Linear.builder().setUnits(channels).build());
            for (int l = 0; l < layerCount; l++) {
                layers.add(new Layer(this, l, channels, dropout));
            }
            finalNorm = addChildBlock("LN_f", new Norm(channels));
            head = addChildBlock("head", framing.head());
        }

        /** [R, S, C] to [R, heads, S, d]. */
        private NDArray heads(NDArray a) {
            Shape s = a.getShape();
            return a.reshape(s.get(0), s.get(1), HEADS, channels / HEADS).transpose(0, 2, 1, 3);
        }

        static NDArray phi(NDArray a) {
            return Activation.elu(a, 1f).add(1f);
        }

        /** γ_h^(t-s) for s <= t, else 0: [heads, S, S]. */
        private static NDArray decay(NDArray theta, long steps) {
            NDManager manager = theta.getManager();
            NDArray t = manager.arange(0f, (float) steps).reshape(steps, 1);
            NDArray offsets = t.sub(t.reshape(1, steps));                                     // [S, S]: t - s
            NDArray causal = offsets.gte(0f).toType(DataType.FLOAT32, false);
            NDArray logGamma = Activation.softPlus(theta.neg()).neg().reshape(HEADS, 1, 1);    // log sigmoid(θ)
            return offsets.maximum(0f).expandDims(0).mul(logGamma).exp().mul(causal);
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();                                             // [N, S, F]
            NDArray u = linear(store, projection, framing.rows(x), training);                  // [R, S, C]
            long rows = u.getShape().get(0);
            long steps = u.getShape().get(1);
            for (Layer layer : layers) {
                NDArray a = layer.norm.apply(store, u, training);
                NDArray q = phi(heads(linear(store, layer.wQ, a, training)));                  // [R, heads, S, d]
                NDArray k = phi(heads(linear(store, layer.wK, a, training)));
                NDArray v = heads(linear(store, layer.wV, a, training));
                NDArray weights = q.matMul(k.transpose(0, 1, 3, 2))
                        .mul(decay(BatchScope.of(x, store.getValue(layer.theta, x.getDevice(), training)), steps));   // [R, heads, S, S]
                NDArray o = weights.matMul(v).div(weights.sum(new int[]{-1}, true).add(EPSILON));  // [R, heads, S, d]
                NDArray merged = o.transpose(0, 2, 1, 3).reshape(rows, steps, channels);
                u = u.add(FeedForward.dropout(linear(store, layer.wO, merged, training), dropout, training));
                u = layer.feedForward.apply(store, u, training);
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
                for (ai.djl.nn.Block b : List.of(layer.norm, layer.wQ, layer.wK, layer.wV, layer.wO, layer.feedForward)) {
                    b.initialize(manager, dataType, row);
                }
            }
            finalNorm.initialize(manager, dataType, row);
            head.initialize(manager, dataType, row);
        }
    }

    private record Model(Net net, Fitter fitter, ChangeForecast framing, TrainOptions options, int lookback)
            implements ChangeModel {

        @Override
        public String architecture() {
            return "linear-attention";
        }

        private int d() {
            return net.channels / HEADS;
        }

        @Override
        public Map<String, Object> hyperParameters() {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("channels", (long) net.channels);
            p.put("layers", (long) net.layers.size());
            p.put("heads", (long) HEADS);
            p.put("featureMap", "elu+1");
            p.put("dropout", (double) net.dropout);
            framing.describe(p, options, LEARNING_RATE, lookback);
            return p;
        }

        @Override
        public List<StateTensor> state() {
            List<StateTensor> state = new ArrayList<>();
            for (int l = 0; l < net.layers.size(); l++) {
                state.add(framing.carry("S" + l, HEADS, d(), d()));
                state.add(framing.carry("z" + l, HEADS, d()));
            }
            state.add(framing.previous());
            return state;
        }

        @Override
        public int warmUpSteps() {
            return lookback;
        }

        private static String phi(Graph g, String a) {
            return g.node("Add", new String[]{g.node("Elu", new String[]{a}), g.constant("one", new float[]{1f})});
        }

        /** a [R, ..., C] to [R, heads, ..., d] for rows of {@code length} positions. */
        private String heads(Graph g, String a, long length) {
            String split = g.node("Reshape", new String[]{a, g.ints("shape", 0, length, HEADS, d())});
            return g.node("Transpose", new String[]{split}, Graph.Attr.ints("perm", 0, 2, 1, 3));
        }

        @Override
        public OnnxMl.ModelProto stepGraph() {
            Graph g = new Graph("linear_attention_step");
            int c = net.channels;
            int d = d();
            String u = Dense.apply(g, framing.stepRows(g), net.projection, "projection");            // [R, C]
            for (int l = 0; l < net.layers.size(); l++) {
                Layer layer = net.layers.get(l);
                String name = "layer" + l;
                String a = layer.norm.apply(g, u, name + "_LN_1");
                String q = heads(g, phi(g, Dense.apply(g, a, layer.wQ, name + "_W_Q")), 1);          // [R, heads, 1, d]
                String k = heads(g, phi(g, Dense.apply(g, a, layer.wK, name + "_W_K")), 1);
                String v = heads(g, Dense.apply(g, a, layer.wV, name + "_W_V"), 1);
                String gamma = g.node("Exp", new String[]{g.constant(name + "_log_gamma", layer.logGamma(), HEADS, 1, 1)});
                String s = g.node("Add", new String[]{
                        g.node("Mul", new String[]{gamma, framing.carryIn(g, "S" + l, HEADS, d, d)}),
                        g.node("MatMul", new String[]{g.node("Transpose", new String[]{k}, Graph.Attr.ints("perm", 0, 1, 3, 2)), v})});
                String z = g.node("Add", new String[]{
                        g.node("Mul", new String[]{gamma, g.node("Unsqueeze", new String[]{framing.carryIn(g, "z" + l, HEADS, d),
                                g.ints("axes", 2)})}), k});                                                          // [R, heads, 1, d]
                framing.carryOut(g, s, "S" + l, HEADS, d, d);
                framing.carryOut(g, g.node("Squeeze", new String[]{z, g.ints("axes", 2)}), "z" + l, HEADS, d);
                String numerator = g.node("MatMul", new String[]{q, s});                                             // [R, heads, 1, d]
                String denominator = g.node("ReduceSum", new String[]{g.node("Mul", new String[]{q, z}), g.ints("axes", -1)},
                        Graph.Attr.i("keepdims", 1));                                                                // [R, heads, 1, 1]
                String o = g.node("Div", new String[]{numerator,
                        g.node("Add", new String[]{denominator, g.constant("epsilon", new float[]{EPSILON})})});
                String merged = g.node("Reshape", new String[]{o, g.ints("shape", 0, c)});
                u = g.node("Add", new String[]{u, Dense.apply(g, merged, layer.wO, name + "_W_O")});
                u = layer.feedForward.apply(g, u, name + "_FFN");
            }
            framing.stepForecast(g, Dense.apply(g, net.finalNorm.apply(g, u, "LN_f"), net.head, "head"));
            return g.build();
        }

        @Override
        public OnnxMl.ModelProto sequenceGraph() {
            Graph g = new Graph("linear_attention_sequence");
            int c = net.channels;
            String u = Dense.apply(g, framing.sequenceRows(g), net.projection, "projection");        // [R, S, C]
            String s = g.node("Cast", new String[]{g.node("Range", new String[]{g.scalar("zero", 0),
                    g.node("Squeeze", new String[]{framing.steps(g), g.ints("axes", 0)}), g.scalar("step", 1)})},
                    Graph.Attr.i("to", OnnxMl.TensorProto.DataType.FLOAT.getNumber()));                 // [S]
            String offsets = g.node("Sub", new String[]{g.node("Unsqueeze", new String[]{s, g.ints("axes", 1)}),
                    g.node("Unsqueeze", new String[]{s, g.ints("axes", 0)})});                            // [S, S]: t - s
            String causal = g.node("Cast", new String[]{g.node("GreaterOrEqual", new String[]{offsets,
                    g.constant("zero_f", new float[]{0f})})}, Graph.Attr.i("to", OnnxMl.TensorProto.DataType.FLOAT.getNumber()));
            String lag = g.node("Unsqueeze", new String[]{g.node("Relu", new String[]{offsets}), g.ints("axes", 0)}); // [1, S, S]
            for (int l = 0; l < net.layers.size(); l++) {
                Layer layer = net.layers.get(l);
                String name = "layer" + l;
                String a = layer.norm.apply(g, u, name + "_LN_1");
                String q = heads(g, phi(g, Dense.apply(g, a, layer.wQ, name + "_W_Q")), -1);          // [R, heads, S, d]
                String k = heads(g, phi(g, Dense.apply(g, a, layer.wK, name + "_W_K")), -1);
                String v = heads(g, Dense.apply(g, a, layer.wV, name + "_W_V"), -1);
                String decay = g.node("Mul", new String[]{g.node("Exp", new String[]{g.node("Mul", new String[]{lag,
                        g.constant(name + "_log_gamma", layer.logGamma(), HEADS, 1, 1)})}), causal});          // [heads, S, S]
                String weights = g.node("Mul", new String[]{g.node("MatMul", new String[]{q,
                        g.node("Transpose", new String[]{k}, Graph.Attr.ints("perm", 0, 1, 3, 2))}), decay});  // [R, heads, S, S]
                String denominator = g.node("ReduceSum", new String[]{weights, g.ints("axes", -1)}, Graph.Attr.i("keepdims", 1));
                String o = g.node("Div", new String[]{g.node("MatMul", new String[]{weights, v}),
                        g.node("Add", new String[]{denominator, g.constant("epsilon", new float[]{EPSILON})})});
                String merged = g.node("Reshape", new String[]{g.node("Transpose", new String[]{o},
                        Graph.Attr.ints("perm", 0, 2, 1, 3)), g.ints("shape", 0, 0, c)});                    // [R, S, C]
                u = g.node("Add", new String[]{u, Dense.apply(g, merged, layer.wO, name + "_W_O")});
                u = layer.feedForward.apply(g, u, name + "_FFN");
            }
            framing.sequenceForecast(g, Dense.apply(g, net.finalNorm.apply(g, u, "LN_f"), net.head, "head"));
            return g.build();
        }
    }
}
