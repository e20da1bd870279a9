package dev.streamcast.trainer.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.recurrent.GRU;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import ai.onnx.proto.OnnxMl;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.arch.components.BatchScope;
import dev.streamcast.trainer.arch.components.ChangeForecast;
import dev.streamcast.trainer.arch.components.DjlModel;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.onnx.Dense;
import dev.streamcast.trainer.onnx.GateOrder;
import dev.streamcast.trainer.onnx.Graph;
import dev.streamcast.trainer.training.Fitter;
import dev.streamcast.trainer.training.ForecastBlock;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A recurrent encoder-decoder for multi-horizon forecasting (Sutskever et al. 2014; the decoder as
 * in MQ-RNN, Wen et al. 2017): a GRU encoder reads the step differences and its state is carried;
 * at every step a GRU decoder unrolls H steps from the encoder's top state, its input at step h a
 * learned horizon embedding e_h, and a linear readout turns each decoder state into the change of
 * step h from the current value:
 * <pre>
 *   h_t^(1..L) = GRU_enc(d_t, h_{t-1})                          carried
 *   s_0 = h_t^(L)      s_h = GRU_dec(e_h, s_{h-1})  h = 1..H    recomputed every step
 *   yhat_t[h, k] = (W_o s_h + b_o)[k] + x_t[target k]           W_o starts at zero (persistence)
 * </pre>
 * The decoder is not autoregressive: it reads the horizon embedding, not its own previous output.
 * Feeding forecasts back would make training (on true values, teacher forcing) differ from serving
 * (on its own forecasts), and errors would compound over 96 steps; without the feedback the
 * decoder is a direct multi-step head with a recurrent prior over the horizon, trained on every
 * horizon step at once, and it exports as one ONNX GRU over H steps instead of a Loop.
 * Framing as {@link ChangeForecast}: one shared network per channel when every input is a target.
 * State: carry {@code h} [layers, hidden] (per channel [T, layers, hidden]) and the window
 * {@code previous}; the decoder keeps nothing between steps.
 */
public final class Seq2Seq implements Architecture {

    static final float LEARNING_RATE = 1e-3f;
    /** Width of the horizon embedding e_h, the decoder's input. */
    static final int EMBEDDING = 8;

    @Override
    public String name() {
        return "seq2seq";
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        ChangeForecast framing = new ChangeForecast(data, options);
        Net net = new Net(framing, options, data.horizon());
        Fitter fitter = Fitter.fit(name(), net, data, options, progress, LEARNING_RATE);
        return new Model(name(), net, fitter, options, data.lookback());
    }

    static final class Net extends ForecastBlock {
        private final ChangeForecast framing;
        private final int hidden;
        private final int layers;
        private final int horizon;
        /** Readout units per decoder step: Q (x T without channel independence). */
        private final int perStep;
        final GRU encoder;
        final GRU decoder;
        final Parameter embedding;   // [H, E]
        final Linear readout;

        Net(ChangeForecast framing, TrainOptions options, int horizon) {
            super((byte) 1);
            this.framing = framing;
            this.hidden = options.hidden();
            this.layers = options.layers();
            this.horizon = horizon;
            this.perStep = framing.headUnits() / horizon;
            encoder = addChildBlock("encoder", GRU.builder().setStateSize(hidden).setNumLayers(layers)
                    .optDropRate(layers > 1 ? options.dropout() : 0f).optBatchFirst(true).optReturnState(false).build());
            decoder = addChildBlock("decoder", GRU.builder().setStateSize(hidden).setNumLayers(1)
                    .optBatchFirst(true).optReturnState(false).build());
            embedding = addParameter(Parameter.builder().setName("embedding").setType(Parameter.Type.OTHER)
                    .optShape(new Shape(horizon, EMBEDDING)).optInitializer(new NormalInitializer(1f)).build());
            readout = addChildBlock("readout", framing.head(perStep));
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();                                                   // [N, S, F]
            NDArray encoded = encoder.forward(store, new NDList(framing.rows(x)), training).head();  // [R, S, hidden]
            long rows = encoded.getShape().get(0);
            long steps = encoded.getShape().get(1);
            NDArray top = lastOnly ? encoded.get(":, -1, :") : encoded.reshape(rows * steps, hidden);  // [N', hidden]
            long origins = top.getShape().get(0);
            NDArray e = BatchScope.of(x, store.getValue(embedding, x.getDevice(), training));        // [H, E]
            NDArray decoderIn = x.getManager().zeros(new Shape(origins, horizon, EMBEDDING)).add(e);  // [N', H, E]
            NDArray decoded = decoder.forward(store, new NDList(decoderIn, top.expandDims(0)), training).head(); // [N', H, hidden]
            NDArray head = readout.forward(store, new NDList(decoded), training).head()
                    .reshape(lastOnly ? new Shape(rows, (long) horizon * perStep) : new Shape(rows, steps, (long) horizon * perStep));
            return new NDList(framing.forecast(head, x, lastOnly));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return framing.outputShapes(inputShapes, lastOnly);
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            encoder.initialize(manager, dataType, new Shape(1, 1, framing.rowInputs()));
            decoder.initialize(manager, dataType, new Shape(1, horizon, EMBEDDING));
            readout.initialize(manager, dataType, new Shape(1, hidden));
        }

        private String[] constants(Graph g, GRU block, int layer, int inputs, String prefix) {
            return GateOrder.GRU.layerConstants(g, block, layer, hidden, inputs, prefix);
        }

        private static Graph.Attr[] gru(int hidden) {
            return new Graph.Attr[]{Graph.Attr.i("hidden_size", hidden), Graph.Attr.i("linear_before_reset", 1)};
        }

        /** The decoder from initial states [1, N', hidden]: the readout [N', H * perStep]. */
        private String decode(Graph g, String initial) {
            String origins = g.node("Slice", new String[]{g.node("Shape", new String[]{initial}), g.ints("start", 1), g.ints("end", 2)});
            String shape = g.node("Concat", new String[]{g.ints("horizon", horizon), origins, g.ints("width", EMBEDDING)},
                    Graph.Attr.i("axis", 0));
            String in = g.node("Expand", new String[]{g.constant("embedding", embedding.getArray().toFloatArray(), horizon, 1, EMBEDDING),
                    shape});                                                                                      // [H, N', E]
            String[] w = constants(g, decoder, 0, EMBEDDING, "decoder_");
            String y = g.nodeMulti("GRU", new String[]{in, w[0], w[1], w[2], "", initial}, new String[]{g.name("decoded")},
                    gru(hidden))[0];                                                                              // [H, 1, N', hidden]
            String states = g.node("Transpose", new String[]{g.node("Squeeze", new String[]{y, g.ints("axes", 1)})},
                    Graph.Attr.ints("perm", 1, 0, 2));                                                            // [N', H, hidden]
            return g.node("Reshape", new String[]{Dense.apply(g, states, readout, "readout"),
                    g.ints("shape", -1, (long) horizon * perStep)});
        }

        OnnxMl.ModelProto stepGraph(String name) {
            Graph g = new Graph(name);
            String input = g.node("Unsqueeze", new String[]{framing.stepRows(g), g.ints("axes", 0)});        // [1, R, F']
            String carried = g.node("Transpose", new String[]{framing.carryIn(g, "h", layers, hidden)},
                    Graph.Attr.ints("perm", 1, 0, 2));                                                         // [layers, R, hidden]
            String[] last = new String[layers];
            for (int l = 0; l < layers; l++) {
                String[] w = constants(g, encoder, l, l > 0 ? hidden : framing.rowInputs(), "encoder_");
                String h0 = g.node("Slice", new String[]{carried, g.ints("start", l), g.ints("end", l + 1), g.ints("axes", 0)});
                String[] out = g.nodeMulti("GRU", new String[]{input, w[0], w[1], w[2], "", h0},
                        new String[]{g.name("y" + l), g.name("yh" + l)}, gru(hidden));
                input = g.node("Squeeze", new String[]{out[0], g.ints("axes", 1)});                           // [1, R, hidden]
                last[l] = out[1];
            }
            String stacked = layers == 1 ? last[0] : g.node("Concat", last, Graph.Attr.i("axis", 0));          // [layers, R, hidden]
            framing.carryOut(g, g.node("Transpose", new String[]{stacked}, Graph.Attr.ints("perm", 1, 0, 2)), "h", layers, hidden);
            framing.stepForecast(g, decode(g, last[layers - 1]));
            return g.build();
        }

        OnnxMl.ModelProto sequenceGraph(String name) {
            Graph g = new Graph(name);
            String input = g.node("Transpose", new String[]{framing.sequenceRows(g)}, Graph.Attr.ints("perm", 1, 0, 2)); // [S, R, F']
            for (int l = 0; l < layers; l++) {
                String[] w = constants(g, encoder, l, l > 0 ? hidden : framing.rowInputs(), "encoder_");
                String y = g.nodeMulti("GRU", new String[]{input, w[0], w[1], w[2]}, new String[]{g.name("y" + l)}, gru(hidden))[0];
                input = g.node("Squeeze", new String[]{y, g.ints("axes", 1)});                                // [S, R, hidden]
            }
            String origins = g.node("Reshape", new String[]{g.node("Transpose", new String[]{input}, Graph.Attr.ints("perm", 1, 0, 2)),
                    g.ints("shape", 1, -1, hidden)});                                                        // [1, R*S, hidden]
            String shape = g.node("Concat", new String[]{g.ints("lead", -1), framing.steps(g),
                    g.ints("tail", (long) horizon * perStep)}, Graph.Attr.i("axis", 0));
            framing.sequenceForecast(g, g.node("Reshape", new String[]{decode(g, origins), shape}));         // [R, S, H * perStep]
            return g.build();
        }
    }

    private record Model(String architecture, Net net, Fitter fitter, TrainOptions options, int lookback) implements DjlModel {

        @Override
        public int horizon() {
            return net.framing.slots;
        }

        @Override
        public int targets() {
            return net.framing.targets();
        }

        @Override
        public Map<String, Object> hyperParameters() {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("hidden", (long) net.hidden);
            p.put("layers", (long) net.layers);
            p.put("dropout", (double) options.dropout());
            p.put("decoder", "direct: GRU over H learned horizon embeddings from the encoder state, no output feedback");
            p.put("horizonEmbedding", (long) EMBEDDING);
            net.framing.describe(p, options, LEARNING_RATE, lookback);
            return p;
        }

        @Override
        public List<StateTensor> state() {
            List<StateTensor> state = new ArrayList<>();
            state.add(net.framing.carry("h", net.layers, net.hidden));
            state.add(net.framing.previous());
            return state;
        }

        @Override
        public int warmUpSteps() {
            return lookback;
        }

        @Override
        public OnnxMl.ModelProto stepGraph() {
            return net.stepGraph("seq2seq_step");
        }

        @Override
        public OnnxMl.ModelProto sequenceGraph() {
            return net.sequenceGraph("seq2seq_sequence");
        }
    }
}
