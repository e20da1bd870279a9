package dev.streamcast.trainer.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.nn.recurrent.GRU;
import ai.djl.nn.recurrent.LSTM;
import ai.djl.nn.recurrent.RNN;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.onnx.proto.OnnxMl;
import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.arch.components.DjlModel;
import dev.streamcast.trainer.arch.components.Highway;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.onnx.Dense;
import dev.streamcast.trainer.onnx.GateOrder;
import dev.streamcast.trainer.onnx.Graph;
import dev.streamcast.trainer.onnx.Lags;
import dev.streamcast.trainer.training.Fitter;
import dev.streamcast.trainer.training.ForecastBlock;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Stacked recurrent networks ({@code rnn}: Elman with tanh, {@code lstm}, {@code gru}) with
 * dropout between layers and a direct multi-horizon head on the last layer's hidden state. The
 * network sees level-free inputs, the step differences, and its head predicts the change from
 * the current value of each target (a persistence skip), so a level that drifts outside the
 * training range (as ETTh1's oil temperature does in its test months) does not throw it off:
 * <pre>
 *   d_t = x_t - x_{t-1}      h_t^(1..L) = cell(d_t, h_{t-1})      yhat_t[h, k] = (W_o h_t^(L) + b_o)[h, k] + x_t[target k]
 * </pre>
 * State: carry {@code h} [layers, hidden] (and {@code c} for the LSTM), and a window
 * {@code previous} holding x_{t-1} [F].
 *
 * <p>With the highway ({@code gru-highway}; any cell takes it the same way) a linear map over each target's look-back
 * window is added to the forecast ({@link Highway}): the network becomes a residual model on top of
 * a linear one, its head zero-initialised so that training starts from the linear model.
 */
public final class RecurrentNet implements Architecture {

    private final GateOrder cell;
    private final boolean highway;

    public RecurrentNet(GateOrder cell) {
        this(cell, false);
    }

    /** {@code highway}: add {@link Highway}'s linear map over the look-back to the forecast. */
    public RecurrentNet(GateOrder cell, boolean highway) {
        this.cell = cell;
        this.highway = highway;
    }

    @Override
    public String name() {
        return cell.name().toLowerCase(java.util.Locale.ROOT) + (highway ? "-highway" : "");
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        // every input a target (mode M, or S): one shared network per channel, as DLinear and PatchTST do
        boolean channelIndependent = data.targets().size() == data.features();
        int slots = options.headSlots(data.horizon()); // H, or H * Q with a quantile head
        Net net = new Net(cell, options.hidden(), options.layers(), options.dropout(), slots, data.targetIndex(),
                channelIndependent, highway ? data.lookback() : 0);
        Fitter fitter = Fitter.fit(name(), net, data, options, progress, 1e-3f);
        return new Model(name(), cell, net, fitter, data.features(), slots, data.targetIndex(), options, data.lookback(),
                channelIndependent);
    }

    /** The DJL definition, used for training and for the framework side of the parity check. */
    static final class Net extends ForecastBlock {
        private final GateOrder cell;
        final Block recurrent;
        final Linear head;
        private final int horizon;
        private final int targets;
        private final int[] targetIndex;
        private final boolean channelIndependent;
        /** null without the highway. */
        final Highway highway;

        /** {@code highwayLookback}: the highway's window L, or 0 for none. */
        Net(GateOrder cell, int hidden, int layers, float dropout, int horizon, int[] targetIndex, boolean channelIndependent,
            int highwayLookback) {
            super((byte) 1);
            this.cell = cell;
            this.horizon = horizon;
            this.targets = targetIndex.length;
            this.targetIndex = targetIndex;
            this.channelIndependent = channelIndependent;
            float drop = layers > 1 ? dropout : 0f;
            this.recurrent = addChildBlock("recurrent", switch (cell) {
                case LSTM -> LSTM.builder().setStateSize(hidden).setNumLayers(layers).optDropRate(drop)
                        .optBatchFirst(true).optReturnState(false).build();
                case GRU -> GRU.builder().setStateSize(hidden).setNumLayers(layers).optDropRate(drop)
                        .optBatchFirst(true).optReturnState(false).build();
                case RNN -> RNN.builder().setStateSize(hidden).setNumLayers(layers).optDropRate(drop)
                        .setActivation(RNN.Activation.TANH).optBatchFirst(true).optReturnState(false).build();
            });
            this.head = addChildBlock("head", Linear.builder().setUnits(channelIndependent ? horizon : (long) horizon * targets).build());
            this.highway = highwayLookback > 0 ? new Highway(this, highwayLookback, horizon, targetIndex) : null;
            if (highway != null) { // start from the linear model: the net's correction is 0 until it learns one
                head.setInitializer(ai.djl.training.initializer.Initializer.ZEROS, ai.djl.nn.Parameter.Type.WEIGHT);
            }
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();                                         // [N, S, F]
            NDArray forecast = netForecast(store, x, training);                            // [N, H, T] or [N, S, H, T]
            return new NDList(highway == null ? forecast : forecast.add(highway.forward(store, x, training, lastOnly)));
        }

        private NDArray netForecast(ParameterStore store, NDArray x, boolean training) {
            long n = x.getShape().get(0);
            long steps = x.getShape().get(1);
            NDArray previous = x.zerosLike().get(":, :1, :").concat(x.get(":, :-1, :"), 1);  // [N, S, F], zeros first
            NDArray delta = x.sub(previous);
            NDArray current = targetsOf(x);                                                // [N, S, T]
            if (!channelIndependent) {
                NDArray hidden = recurrent(store, delta, training);                           // [N, S, hidden]
                if (lastOnly) {
                    NDArray correction = head.forward(store, new NDList(hidden.get(":, -1, :")), training).head()
                            .reshape(n, horizon, targets);
                    return correction.add(current.get(":, -1, :").expandDims(1));                   // [N, H, T]
                }
                NDArray correction = head.forward(store, new NDList(hidden), training).head().reshape(n, steps, horizon, targets);
                return correction.add(current.expandDims(2));                                       // [N, S, H, T]
            }
            NDArray perChannel = targetsOf(delta).transpose(0, 2, 1).reshape(n * targets, steps, 1); // [N*T, S, 1]
            NDArray hidden = recurrent(store, perChannel, training);                                  // [N*T, S, hidden]
            if (lastOnly) {
                NDArray correction = head.forward(store, new NDList(hidden.get(":, -1, :")), training).head() // [N*T, H]
                        .reshape(n, targets, horizon).transpose(0, 2, 1);                                  // [N, H, T]
                return correction.add(current.get(":, -1, :").expandDims(1));
            }
            NDArray correction = head.forward(store, new NDList(hidden), training).head()              // [N*T, S, H]
                    .reshape(n, targets, steps, horizon).transpose(0, 2, 3, 1);                        // [N, S, H, T]
            return correction.add(current.expandDims(2));
        }

        /**
         * The recurrent layers over {@code input} [rows, S, inputs]: [rows, S, hidden]. PyTorch runs a float LSTM on the
         * CPU in oneDNN, in its training primitive when grad mode is on and in its inference primitive otherwise, and the
         * inference primitive computes wrong states on some CPUs (README, "The LSTM and oneDNN"). A forward pass without
         * gradients (validation, backtest, parity) therefore runs the LSTM in grad mode too: every forward pass goes
         * through the primitive training uses, and the parity test checks that one. RNN and GRU never reach oneDNN.
         */
        private NDArray recurrent(ParameterStore store, NDArray input, boolean training) {
            if (cell != GateOrder.LSTM || JniUtils.isGradMode()) {
                return recurrent.forward(store, new NDList(input), training).head();
            }
            JniUtils.setGradMode(true);
            try (NDArray tracked = recurrent.forward(store, new NDList(input), training).head()) {
                return tracked.stopGradient(); // closing tracked frees its graph and oneDNN's workspace now
            } finally {
                JniUtils.setGradMode(false);
            }
        }

        private NDArray targetsOf(NDArray x) {
            return x.get(new ai.djl.ndarray.index.NDIndex(":, :, {}",
                    x.getManager().create(java.util.Arrays.stream(targetIndex).asLongStream().toArray())));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            Shape in = inputShapes[0];
            return lastOnly ? new Shape[]{new Shape(in.get(0), horizon, targets)}
                    : new Shape[]{new Shape(in.get(0), in.get(1), horizon, targets)};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            Shape in = inputShapes[0];
            Shape recurrentIn = channelIndependent ? new Shape(in.get(0) * targets, in.get(1), 1) : in;
            recurrent.initialize(manager, dataType, recurrentIn);
            Shape out = recurrent.getOutputShapes(new Shape[]{recurrentIn})[0];
            head.initialize(manager, dataType, new Shape(out.get(0), out.get(2)));
            if (highway != null) {
                highway.initialize(manager, dataType, in.get(0));
            }
        }
    }

    private record Model(String architecture, GateOrder cell, Net net, Fitter fitter, int features, int horizon,
                         int[] targetIndex, TrainOptions options, int lookback, boolean channelIndependent)
            implements DjlModel {

        @Override
        public int targets() {
            return targetIndex.length;
        }

        @Override
        public Map<String, Object> hyperParameters() {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("hidden", (long) options.hidden());
            p.put("layers", (long) options.layers());
            p.put("dropout", (double) options.dropout());
            p.put("learningRate", (double) (options.learningRate() > 0 ? options.learningRate() : 1e-3f));
            p.put("batchSize", (long) options.batchSize());
            p.put("lookback", (long) lookback);
            p.put("channelIndependent", channelIndependent);
            p.put("highway", net.highway != null);
            return p;
        }

        @Override
        public List<StateTensor> state() {
            List<StateTensor> state = new ArrayList<>();
            int[] shape = channelIndependent
                    ? new int[]{targets(), options.layers(), options.hidden()} : new int[]{options.layers(), options.hidden()};
            state.add(StateTensor.carry("h", shape));
            if (cell == GateOrder.LSTM) {
                state.add(StateTensor.carry("c", shape));
            }
            state.add(StateTensor.window("previous", 1, features));
            if (net.highway != null) {
                state.add(net.highway.state());
            }
            return state;
        }

        @Override
        public int warmUpSteps() {
            return lookback;
        }


        /** ONNX W, R and B of one layer, gates reordered for ONNX. */
        private String[] layerWeights(Graph g, int layer, int inputSize) {
            return cell.layerConstants(g, net.recurrent, layer, options.hidden(), inputSize, "");
        }

        private Graph.Attr[] cellAttributes() {
            List<Graph.Attr> attrs = new ArrayList<>();
            attrs.add(Graph.Attr.i("hidden_size", options.hidden()));
            if (cell == GateOrder.GRU) {
                attrs.add(Graph.Attr.i("linear_before_reset", 1)); // PyTorch's GRU
            }
            if (cell == GateOrder.RNN) {
                attrs.add(Graph.Attr.strings("activations", "Tanh"));
            }
            return attrs.toArray(Graph.Attr[]::new);
        }

        private String op() {
            return switch (cell) {
                case LSTM -> "LSTM";
                case GRU -> "GRU";
                case RNN -> "RNN";
            };
        }

        /** A carry input [B, (T,) layers, hidden] as the recurrent op wants it: [layers, B(*T), hidden]. */
        private String stateIn(Graph g, String name, int layers, int hd) {
            if (!channelIndependent) {
                return g.node("Transpose", new String[]{g.input(name, Graph.BATCH, layers, hd)}, Graph.Attr.ints("perm", 1, 0, 2));
            }
            String in = g.input(name, Graph.BATCH, targets(), layers, hd);
            return g.node("Transpose", new String[]{g.node("Reshape", new String[]{in, g.ints("shape", -1, layers, hd)})},
                    Graph.Attr.ints("perm", 1, 0, 2));
        }

        /** The per-layer final states back into the carry layout [B, (T,) layers, hidden]. */
        private void stateOut(Graph g, String name, String[] perLayer, int layers, int hd) {
            String stacked = layers == 1 ? perLayer[0] : g.node("Concat", perLayer, Graph.Attr.i("axis", 0)); // [layers, B(*T), hidden]
            String batchFirst = g.node("Transpose", new String[]{stacked}, Graph.Attr.ints("perm", 1, 0, 2));
            if (!channelIndependent) {
                g.output(batchFirst, name, Graph.BATCH, layers, hd);
            } else {
                g.output(g.node("Reshape", new String[]{batchFirst, g.ints("shape", -1, targets(), layers, hd)}), name,
                        Graph.BATCH, targets(), layers, hd);
            }
        }

        @Override
        public OnnxMl.ModelProto stepGraph() {
            Graph g = new Graph(architecture + "_step");
            int layers = options.layers();
            int hd = options.hidden();
            int t = targets();
            String x = g.input(BundleManifest.INPUT, Graph.BATCH, features);
            // per channel, the recurrent batch is B * T rows of one input each, state [B, T, layers, hidden]
            String hT = stateIn(g, "h", layers, hd);                                                     // [layers, B(*T), hidden]
            String cT = cell == GateOrder.LSTM ? stateIn(g, "c", layers, hd) : null;
            String ring = g.input("previous", Graph.BATCH, 1, features);
            String delta = g.node("Sub", new String[]{x, g.node("Squeeze", new String[]{ring, g.ints("axes", 1)})}); // [B, F]
            g.output(x, "previous.new", Graph.BATCH, features);
            if (channelIndependent) {
                delta = g.node("Reshape", new String[]{Lags.targets(g, delta, targetIndex, 1), g.ints("shape", -1, 1)}); // [B*T, 1]
            }
            String layerInput = g.node("Unsqueeze", new String[]{delta, g.ints("axes", 0)});             // [1, B(*T), F or 1]
            String[] hOut = new String[layers];
            String[] cOut = new String[layers];
            for (int l = 0; l < layers; l++) {
                String[] wrb = layerWeights(g, l, l > 0 ? hd : channelIndependent ? 1 : features);
                String h0 = g.node("Slice", new String[]{hT, g.ints("start", l), g.ints("end", l + 1), g.ints("axes", 0)});
                List<String> inputs = new ArrayList<>(List.of(layerInput, wrb[0], wrb[1], wrb[2], "", h0));
                List<String> outputs = new ArrayList<>(List.of(g.name("y" + l), g.name("yh" + l)));
                if (cell == GateOrder.LSTM) {
                    inputs.add(g.node("Slice", new String[]{cT, g.ints("start", l), g.ints("end", l + 1), g.ints("axes", 0)}));
                    outputs.add(g.name("yc" + l));
                }
                String[] out = g.nodeMulti(op(), inputs.toArray(String[]::new), outputs.toArray(String[]::new), cellAttributes());
                layerInput = g.node("Squeeze", new String[]{out[0], g.ints("axes", 1)});                  // [1, B, hidden]
                hOut[l] = out[1];
                if (cell == GateOrder.LSTM) {
                    cOut[l] = out[2];
                }
            }
            stateOut(g, "h.next", hOut, layers, hd);
            if (cell == GateOrder.LSTM) {
                stateOut(g, "c.next", cOut, layers, hd);
            }
            String top = g.node("Squeeze", new String[]{hOut[layers - 1], g.ints("axes", 0)});           // [B(*T), hidden]
            String flat = Dense.apply(g, top, net.head, "head");
            String correction = channelIndependent
                    ? g.node("Transpose", new String[]{g.node("Reshape", new String[]{flat, g.ints("shape", -1, t, horizon)})},
                            Graph.Attr.ints("perm", 0, 2, 1))                                            // [B, T, H] to [B, H, T]
                    : g.node("Reshape", new String[]{flat, g.ints("shape", 0, horizon, t)});             // [B, H, T]
            String current = g.node("Unsqueeze", new String[]{Lags.targets(g, x, targetIndex, 1), g.ints("axes", 1)}); // [B, 1, T]
            String forecast = g.node("Add", new String[]{correction, current});
            if (net.highway != null) {
                forecast = g.node("Add", new String[]{forecast, net.highway.step(g, x)});
            }
            g.output(forecast, BundleManifest.OUTPUT, Graph.BATCH, horizon, targets());
            return g.build();
        }

        @Override
        public OnnxMl.ModelProto sequenceGraph() {
            Graph g = new Graph(architecture + "_sequence");
            int hd = options.hidden();
            String x = g.input(BundleManifest.INPUT, Graph.BATCH, Graph.STEPS, features);
            String previous = g.node("Slice", new String[]{g.node("Pad", new String[]{x, g.ints("pads", 0, 1, 0, 0, 0, 0)}),
                    g.ints("start", 0), g.node("Gather", new String[]{g.node("Shape", new String[]{x}), g.ints("axis1", 1)}),
                    g.ints("axes", 1)});                                                                  // [B, S, F]: x shifted by one
            String delta = g.node("Sub", new String[]{x, previous});
            String layerInput;
            if (channelIndependent) {
                String perChannel = g.node("Transpose", new String[]{Lags.targets(g, delta, targetIndex, 2)},
                        Graph.Attr.ints("perm", 1, 0, 2));                                                 // [S, B, T]
                layerInput = g.node("Reshape", new String[]{perChannel, g.ints("shape", 0, -1, 1)});      // [S, B*T, 1]
            } else {
                layerInput = g.node("Transpose", new String[]{delta}, Graph.Attr.ints("perm", 1, 0, 2)); // [S, B, F]
            }
            for (int l = 0; l < options.layers(); l++) {
                String[] wrb = layerWeights(g, l, l > 0 ? hd : channelIndependent ? 1 : features);
                String y = g.nodeMulti(op(), new String[]{layerInput, wrb[0], wrb[1], wrb[2]},
                        new String[]{g.name("y" + l)}, cellAttributes())[0];                              // [S, 1, B, hidden]
                layerInput = g.node("Squeeze", new String[]{y, g.ints("axes", 1)});                      // [S, B, hidden]
            }
            String correction;
            if (channelIndependent) {
                String flat = Dense.apply(g, layerInput, net.head, "head");                                                   // [S, B*T, H]
                String split = g.node("Reshape", new String[]{flat, g.ints("shape", 0, -1, targets(), horizon)});             // [S, B, T, H]
                correction = g.node("Transpose", new String[]{split}, Graph.Attr.ints("perm", 1, 0, 3, 2));                 // [B, S, H, T]
            } else {
                String top = g.node("Transpose", new String[]{layerInput}, Graph.Attr.ints("perm", 1, 0, 2));               // [B, S, hidden]
                String flat = Dense.apply(g, top, net.head, "head");
                correction = g.node("Reshape", new String[]{flat, g.ints("shape", 0, 0, horizon, targets())});              // [B, S, H, T]
            }
            String current = g.node("Unsqueeze", new String[]{Lags.targets(g, x, targetIndex, 2), g.ints("axes", 2)}); // [B, S, 1, T]
            String forecast = g.node("Add", new String[]{correction, current});
            if (net.highway != null) {
                forecast = g.node("Add", new String[]{forecast, net.highway.sequence(g, x)});
            }
            g.output(forecast, BundleManifest.OUTPUT, Graph.BATCH, Graph.STEPS, horizon, targets());
            return g.build();
        }
    }
}
