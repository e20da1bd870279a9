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
 * <p>Served with a key/value cache as window state: per layer a window {@code kv<l>} of the last W
 * keys and values [2C], a window {@code filled} of W flags (1 for a real entry; the runtime
 * zero-fills a fresh ring, and a zero key is no masked key: its score 0 would still take a share
 * of the softmax), and the window {@code previous}. State and step cost grow linearly with W.
 * The default W = ceil((L - 1) / layers) lets the stack's receptive field, layers * W + 1, cover
 * the look-back L, as the TCN's dilations do.
 */
public final class SlidingWindowTransformer implements Architecture {

    static final int HEADS = 4;
    static final float LEARNING_RATE = 1e-3f;
    /** A score for masked keys: exp underflows to exactly 0 after the softmax's max subtraction. */
    static final float MASKED = -1e9f;

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

    /** ceil((L - 1) / layers), at least 1. */
    static int defaultWindow(int lookback, int layers) {
        return Math.max(1, (lookback - 1 + layers - 1) / layers);
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        if (options.hidden() % HEADS != 0) {
            throw new IllegalArgumentException("transformer needs --hidden divisible by its " + HEADS + " heads, got "
                    + options.hidden());
        }
        int w = window > 0 ? window : defaultWindow(data.lookback(), options.layers());
        ChangeForecast framing = new ChangeForecast(data, options);
        Net net = new Net(framing, options.hidden(), options.layers(), w, options.dropout());
        Fitter fitter = Fitter.fit(name(), net, data, options, progress, LEARNING_RATE);
        return new Model(net, fitter, framing, options, data.lookback());
    }

    /** One layer's attention weights; the feed-forward sub-layer is its own block. */
    static final class Layer {
        final Norm norm;
        final Linear wQ;
        final Linear wK;
        final Linear wV;
        final Linear wO;
        final Parameter bRel;   // [heads, W + 1]: the bias of offset m = t - s
        final FeedForward feedForward;

        Layer(Net net, int l, int channels, int window, float dropout) {
            norm = net.add("layer" + l + "_LN_1", new Norm(channels));
            wQ = net.add("layer" + l + "_W_Q", Linear.builder().setUnits(channels).build());
            wK = net.add("layer" + l + "_W_K", Linear.builder().setUnits(channels).build());
            wV = net.add("layer" + l + "_W_V", Linear.builder().setUnits(channels).build());
            wO = net.add("layer" + l + "_W_O", Linear.builder().setUnits(channels).build());
            bRel = net.param(Parameter.builder().setName("layer" + l + "_b_rel").setType(Parameter.Type.OTHER)
                    .optShape(new Shape(HEADS, window + 1)).optInitializer((m, shape, type) -> alibi(m, window)).build());
            feedForward = net.add("layer" + l + "_FFN", new FeedForward(channels, 2 * channels, dropout));
        }

        /** ALiBi's slopes: head h penalises offset m by 2^(-8 (h + 1) / heads) m. */
        private static NDArray alibi(NDManager manager, int window) {
            float[] b = new float[HEADS * (window + 1)];
            for (int h = 0; h < HEADS; h++) {
                double slope = Math.pow(2, -8.0 * (h + 1) / HEADS);
                for (int m = 0; m <= window; m++) {
                    b[h * (window + 1) + m] = (float) (-slope * m);
                }
            }
            return manager.create(b, new Shape(HEADS, window + 1));
        }
    }

    static final class Net extends ForecastBlock {
        final ChangeForecast framing;
        final int channels;
        final int window;
        final float dropout;
        final Linear projection;
        final List<Layer> layers = new ArrayList<>();
        final Norm finalNorm;
        final Linear head;

        Net(ChangeForecast framing, int channels, int layerCount, int window, float dropout) {
            super((byte) 1);
            this.framing = framing;
            this.channels = channels;
            this.window = window;
            this.dropout = dropout;
            projection = addChildBlock("projection", Linear.builder().setUnits(channels).build());
            for (int l = 0; l < layerCount; l++) {
                layers.add(new Layer(this, l, channels, window, dropout));
            }
            finalNorm = addChildBlock("LN_f", new Norm(channels));
            head = addChildBlock("head", framing.head());
        }

        /** [R, S, C] to [R, heads, S, d]. */
        private NDArray heads(NDArray a) {
            Shape s = a.getShape();
            return a.reshape(s.get(0), s.get(1), HEADS, channels / HEADS).transpose(0, 2, 1, 3);
        }

        /** The relative bias over a whole sequence [heads, S, S]: b_rel[t - s] inside the window, masked elsewhere. */
        private NDArray bandBias(NDArray bRel, long steps) {
            NDManager manager = bRel.getManager();
            NDArray padded = bRel.concat(manager.full(new Shape(HEADS, 1), MASKED), 1);   // [heads, W + 2]
            long[] index = new long[(int) (steps * steps)];
            for (int t = 0; t < steps; t++) {
                for (int s = 0; s < steps; s++) {
                    int m = t - s;
                    index[(int) (t * steps + s)] = m >= 0 && m <= window ? m : window + 1;
                }
            }
            return padded.get(new NDIndex(":, {}", manager.create(index))).reshape(HEADS, steps, steps);
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();                                             // [N, S, F]
            NDArray u = linear(store, projection, framing.rows(x), training);                  // [R, S, C]
            long rows = u.getShape().get(0);
            long steps = u.getShape().get(1);
            float scale = (float) (1 / Math.sqrt((double) channels / HEADS));
            for (Layer layer : layers) {
                NDArray a = layer.norm.apply(store, u, training);
                NDArray q = heads(linear(store, layer.wQ, a, training));                       // [R, heads, S, d]
                NDArray k = heads(linear(store, layer.wK, a, training));
                NDArray v = heads(linear(store, layer.wV, a, training));
                NDArray bias = bandBias(BatchScope.of(x, store.getValue(layer.bRel, x.getDevice(), training)), steps);
                NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(scale).add(bias);       // [R, heads, S, S]
                NDArray attended = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(rows, steps, channels);
                u = u.add(FeedForward.dropout(linear(store, layer.wO, attended, training), dropout, training));
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
            return "transformer";
        }

        int window() {
            return net.window;
        }

        @Override
        public Map<String, Object> hyperParameters() {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("channels", (long) net.channels);
            p.put("layers", (long) net.layers.size());
            p.put("heads", (long) HEADS);
            p.put("window", (long) net.window);
            p.put("dropout", (double) net.dropout);
            framing.describe(p, options, LEARNING_RATE, lookback);
            return p;
        }

        @Override
        public List<StateTensor> state() {
            List<StateTensor> state = new ArrayList<>();
            for (int l = 0; l < net.layers.size(); l++) {
                state.add(framing.window("kv" + l, net.window, 2 * net.channels));
            }
            state.add(StateTensor.window("filled", net.window, 1));
            state.add(framing.previous());
            return state;
        }

        @Override
        public int warmUpSteps() {
            return Math.max(lookback, net.layers.size() * net.window + 1);
        }

        /** b_rel as a constant [heads, W + 2], the last column masked, for a Gather by offset. */
        private static float[] padded(Layer layer, int window) {
            float[] b = layer.bRel.getArray().toFloatArray();
            float[] out = new float[HEADS * (window + 2)];
            for (int h = 0; h < HEADS; h++) {
                System.arraycopy(b, h * (window + 1), out, h * (window + 2), window + 1);
                out[h * (window + 2) + window + 1] = MASKED;
            }
            return out;
        }

        /** a [R, ..., C] to [R, heads, ..., d] for rows of {@code length} positions. */
        private String heads(Graph g, String a, long length) {
            String split = g.node("Reshape", new String[]{a, g.ints("shape", 0, length, HEADS, net.channels / HEADS)});
            return g.node("Transpose", new String[]{split}, Graph.Attr.ints("perm", 0, 2, 1, 3));
        }

        @Override
        public OnnxMl.ModelProto stepGraph() {
            Graph g = new Graph("transformer_step");
            int c = net.channels;
            int w = net.window;
            float scale = (float) (1 / Math.sqrt((double) c / HEADS));
            String u = Dense.apply(g, framing.stepRows(g), net.projection, "projection");            // [R, C]
            // filled flags [B, W, 1] to an additive mask over the W cached slots and the current one: [R, 1, 1, W + 1]
            String flags = g.input("filled", Graph.BATCH, w, 1);
            String perEntity = g.node("Reshape", new String[]{flags, g.ints("shape", -1, 1, w)});      // [B, 1, W]
            if (framing.channelIndependent) {
                String expanded = g.node("Expand", new String[]{perEntity, g.ints("shape", 1, framing.targets(), 1)});
                perEntity = g.node("Reshape", new String[]{expanded, g.ints("shape", -1, 1, w)});     // [R, 1, W]
            }
            String slots = g.node("Pad", new String[]{perEntity, g.ints("pads", 0, 0, 0, 0, 0, 1),
                    g.constant("filled_current", new float[]{1f})});                                    // [R, 1, W + 1]
            String mask = g.node("Unsqueeze", new String[]{g.node("Mul", new String[]{
                    g.node("Sub", new String[]{slots, g.constant("one", new float[]{1f})}),
                    g.constant("masked", new float[]{-MASKED})}), g.ints("axes", 1)});                 // 0 or -1e9
            String ones = g.node("Expand", new String[]{g.constant("flag", new float[]{1f}, 1),
                    g.node("Concat", new String[]{g.node("Slice", new String[]{g.node("Shape", new String[]{flags}),
                            g.ints("start", 0), g.ints("end", 1)}), g.ints("one_dim", 1)}, Graph.Attr.i("axis", 0))});
            g.output(ones, "filled.new", Graph.BATCH, 1);
            for (int l = 0; l < net.layers.size(); l++) {
                Layer layer = net.layers.get(l);
                String name = "layer" + l;
                String a = layer.norm.apply(g, u, name + "_LN_1");
                String q = Dense.apply(g, a, layer.wQ, name + "_W_Q");                                 // [R, C]
                String k = Dense.apply(g, a, layer.wK, name + "_W_K");
                String v = Dense.apply(g, a, layer.wV, name + "_W_V");
                String cache = framing.windowIn(g, "kv" + l, w, 2 * c);                                // [R, W, 2C]
                framing.windowOut(g, g.node("Concat", new String[]{k, v}, Graph.Attr.i("axis", 1)), "kv" + l, 2 * c);
                String keys = g.node("Concat", new String[]{
                        g.node("Slice", new String[]{cache, g.ints("start", 0), g.ints("end", c), g.ints("axes", 2)}),
                        g.node("Unsqueeze", new String[]{k, g.ints("axes", 1)})}, Graph.Attr.i("axis", 1));   // [R, W + 1, C]
                String values = g.node("Concat", new String[]{
                        g.node("Slice", new String[]{cache, g.ints("start", c), g.ints("end", 2 * c), g.ints("axes", 2)}),
                        g.node("Unsqueeze", new String[]{v, g.ints("axes", 1)})}, Graph.Attr.i("axis", 1));
                String qh = heads(g, q, 1);                                                             // [R, heads, 1, d]
                String kh = heads(g, keys, w + 1);                                                      // [R, heads, W + 1, d]
                String vh = heads(g, values, w + 1);
                // slot j holds offset m = W - j: the bias reversed along the window
                float[] b = layer.bRel.getArray().toFloatArray();
                float[] bySlot = new float[HEADS * (w + 1)];
                for (int h = 0; h < HEADS; h++) {
                    for (int j = 0; j <= w; j++) {
                        bySlot[h * (w + 1) + j] = b[h * (w + 1) + (w - j)];
                    }
                }
                String scores = g.node("Add", new String[]{g.node("Add", new String[]{
                        g.node("Mul", new String[]{g.node("MatMul", new String[]{qh,
                                g.node("Transpose", new String[]{kh}, Graph.Attr.ints("perm", 0, 1, 3, 2))}),
                                g.constant("scale", new float[]{scale})}),
                        g.constant(name + "_b_rel", bySlot, HEADS, 1, w + 1)}), mask});                    // [R, heads, 1, W + 1]
                String attended = g.node("MatMul", new String[]{g.node("Softmax", new String[]{scores}, Graph.Attr.i("axis", -1)), vh});
                String merged = g.node("Reshape", new String[]{attended, g.ints("shape", 0, c)});       // [R, C]
                u = g.node("Add", new String[]{u, Dense.apply(g, merged, layer.wO, name + "_W_O")});
                u = layer.feedForward.apply(g, u, name + "_FFN");
            }
            framing.stepForecast(g, Dense.apply(g, net.finalNorm.apply(g, u, "LN_f"), net.head, "head"));
            return g.build();
        }

        @Override
        public OnnxMl.ModelProto sequenceGraph() {
            Graph g = new Graph("transformer_sequence");
            int c = net.channels;
            int w = net.window;
            float scale = (float) (1 / Math.sqrt((double) c / HEADS));
            String u = Dense.apply(g, framing.sequenceRows(g), net.projection, "projection");        // [R, S, C]
            // offsets m = t - s [S, S]; outside 0 <= m <= W they index the masked column W + 1
            String s = g.node("Range", new String[]{g.scalar("zero", 0),
                    g.node("Squeeze", new String[]{framing.steps(g), g.ints("axes", 0)}), g.scalar("step", 1)});
            String offsets = g.node("Sub", new String[]{g.node("Unsqueeze", new String[]{s, g.ints("axes", 1)}),
                    g.node("Unsqueeze", new String[]{s, g.ints("axes", 0)})});
            String inside = g.node("And", new String[]{
                    g.node("GreaterOrEqual", new String[]{offsets, g.scalar("zero", 0)}),
                    g.node("LessOrEqual", new String[]{offsets, g.scalar("window", w)})});
            String index = g.node("Where", new String[]{inside, offsets, g.scalar("masked_index", w + 1)});
            for (int l = 0; l < net.layers.size(); l++) {
                Layer layer = net.layers.get(l);
                String name = "layer" + l;
                String a = layer.norm.apply(g, u, name + "_LN_1");
                String qh = heads(g, Dense.apply(g, a, layer.wQ, name + "_W_Q"), -1);                 // [R, heads, S, d]
                String kh = heads(g, Dense.apply(g, a, layer.wK, name + "_W_K"), -1);
                String vh = heads(g, Dense.apply(g, a, layer.wV, name + "_W_V"), -1);
                String bias = g.node("Gather", new String[]{g.constant(name + "_b_rel", padded(layer, w), HEADS, w + 2), index},
                        Graph.Attr.i("axis", 1));                                                       // [heads, S, S]
                String scores = g.node("Add", new String[]{g.node("Mul", new String[]{g.node("MatMul", new String[]{qh,
                        g.node("Transpose", new String[]{kh}, Graph.Attr.ints("perm", 0, 1, 3, 2))}),
                        g.constant("scale", new float[]{scale})}), bias});                               // [R, heads, S, S]
                String attended = g.node("MatMul", new String[]{g.node("Softmax", new String[]{scores}, Graph.Attr.i("axis", -1)), vh});
                String merged = g.node("Reshape", new String[]{g.node("Transpose", new String[]{attended},
                        Graph.Attr.ints("perm", 0, 2, 1, 3)), g.ints("shape", 0, 0, c)});              // [R, S, C]
                u = g.node("Add", new String[]{u, Dense.apply(g, merged, layer.wO, name + "_W_O")});
                u = layer.feedForward.apply(g, u, name + "_FFN");
            }
            framing.sequenceForecast(g, Dense.apply(g, net.finalNorm.apply(g, u, "LN_f"), net.head, "head"));
            return g.build();
        }
    }
}
