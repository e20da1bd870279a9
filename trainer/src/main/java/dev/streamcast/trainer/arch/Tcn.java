package dev.streamcast.trainer.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.onnx.proto.OnnxMl;
import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.arch.components.CausalShift;
import dev.streamcast.trainer.arch.components.DjlModel;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.onnx.Dense;
import dev.streamcast.trainer.onnx.Graph;
import dev.streamcast.trainer.onnx.Lags;
import dev.streamcast.trainer.training.Fitter;
import dev.streamcast.trainer.training.ForecastBlock;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A temporal convolutional network (Bai et al. 2018): causal dilated convolutions of kernel K
 * in residual blocks, dilations 1, 2, 4, ... until the receptive field covers the look-back.
 * Like the recurrent nets it reads step differences and its head predicts the change from the
 * current value, one shared network per channel when every input is a target:
 * <pre>
 *   u_t^0 = W_p d_t + b_p        u_t^(j+1) = u_t^j + relu(W_j [u_t^j, u_{t-d_j}^j, ..., u_{t-(K-1)d_j}^j] + b_j)
 *   yhat_t[h, k] = (W_o u_t^J + b_o)[h, k] + x_t[target k]
 * </pre>
 * State: per block a window {@code b<j>} of the last (K - 1) d_j block inputs (the dilated taps),
 * and the window {@code previous} of one input.
 */
public final class Tcn implements Architecture {

    static final int KERNEL = 3;

    @Override
    public String name() {
        return "tcn";
    }

    /** Dilations 1, 2, 4, ... until 1 + (K - 1) * sum(d) covers the look-back. */
    static int[] dilations(int lookback) {
        List<Integer> d = new ArrayList<>();
        int field = 1;
        for (int dilation = 1; field < lookback; dilation *= 2) {
            d.add(dilation);
            field += (KERNEL - 1) * dilation;
        }
        if (d.isEmpty()) {
            d.add(1);
        }
        return d.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        boolean channelIndependent = data.targets().size() == data.features();
        int slots = options.headSlots(data.horizon()); // H, or H * Q with a quantile head
        Net net = new Net(options.hidden(), dilations(data.lookback()), slots, data.targetIndex(), channelIndependent);
        Fitter fitter = Fitter.fit(name(), net, data, options, progress, 1e-3f);
        return new Model(net, fitter, data.features(), slots, data.targetIndex(), options, data.lookback(),
                channelIndependent);
    }

    static final class Net extends ForecastBlock {
        final Linear projection;
        final List<Linear> blocks = new ArrayList<>();
        final Linear head;
        final int channels;
        final int[] dilations;
        private final int horizon;
        private final int[] targetIndex;
        private final boolean channelIndependent;

        Net(int channels, int[] dilations, int horizon, int[] targetIndex, boolean channelIndependent) {
            super((byte) 1);
            this.channels = channels;
            this.dilations = dilations;
            this.horizon = horizon;
            this.targetIndex = targetIndex;
            this.channelIndependent = channelIndependent;
            this.projection = addChildBlock("projection", Linear.builder().setUnits(channels).build());
            for (int j = 0; j < dilations.length; j++) {
                blocks.add(addChildBlock("block" + j, Linear.builder().setUnits(channels).build()));
            }
            this.head = addChildBlock("head", Linear.builder()
                    .setUnits(channelIndependent ? horizon : (long) horizon * targetIndex.length).build());
        }

        private NDArray targetsOf(NDArray x) {
            return x.get(new NDIndex(":, :, {}", x.getManager().create(java.util.Arrays.stream(targetIndex).asLongStream().toArray())));
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();                                               // [N, S, F]
            long n = x.getShape().get(0);
            long steps = x.getShape().get(1);
            int t = targetIndex.length;
            NDArray delta = x.sub(CausalShift.delayed(x, 1));
            NDArray current = targetsOf(x);                                                      // [N, S, T]
            NDArray in = channelIndependent ? targetsOf(delta).transpose(0, 2, 1).reshape(n * t, steps, 1) : delta; // [R, S, F']
            NDArray u = projection.forward(store, new NDList(in), training).head();             // [R, S, C]
            for (int j = 0; j < dilations.length; j++) {
                NDList taps = new NDList();
                for (int m = 0; m < KERNEL; m++) {
                    taps.add(CausalShift.delayed(u, (long) m * dilations[j]));
                }
                NDArray conv = blocks.get(j).forward(store, new NDList(ai.djl.ndarray.NDArrays.concat(taps, 2)), training).head();
                u = u.add(conv.maximum(0f));
            }
            NDArray top = lastOnly ? u.get(":, -1, :") : u;                                      // [R, C] or [R, S, C]
            NDArray out = head.forward(store, new NDList(top), training).head();
            if (lastOnly) {
                NDArray correction = channelIndependent
                        ? out.reshape(n, t, horizon).transpose(0, 2, 1) : out.reshape(n, horizon, t);   // [N, H, T]
                return new NDList(correction.add(current.get(":, -1, :").expandDims(1)));
            }
            NDArray correction = channelIndependent
                    ? out.reshape(n, t, steps, horizon).transpose(0, 2, 3, 1) : out.reshape(n, steps, horizon, t); // [N, S, H, T]
            return new NDList(correction.add(current.expandDims(2)));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            Shape in = inputShapes[0];
            return lastOnly ? new Shape[]{new Shape(in.get(0), horizon, targetIndex.length)}
                    : new Shape[]{new Shape(in.get(0), in.get(1), horizon, targetIndex.length)};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            Shape in = inputShapes[0];
            long rows = channelIndependent ? in.get(0) * targetIndex.length : in.get(0);
            projection.initialize(manager, dataType, new Shape(rows, in.get(1), channelIndependent ? 1 : in.get(2)));
            for (Linear block : blocks) {
                block.initialize(manager, dataType, new Shape(rows, in.get(1), (long) KERNEL * channels));
            }
            head.initialize(manager, dataType, new Shape(rows, channels));
        }
    }

    private record Model(Net net, Fitter fitter, int features, int horizon, int[] targetIndex, TrainOptions options,
                         int lookback, boolean channelIndependent) implements DjlModel {

        @Override
        public String architecture() {
            return "tcn";
        }

        @Override
        public int targets() {
            return targetIndex.length;
        }

        @Override
        public Map<String, Object> hyperParameters() {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("channels", (long) net.channels);
            p.put("kernel", (long) KERNEL);
            p.put("dilations", java.util.Arrays.toString(net.dilations));
            p.put("learningRate", (double) (options.learningRate() > 0 ? options.learningRate() : 1e-3f));
            p.put("batchSize", (long) options.batchSize());
            p.put("lookback", (long) lookback);
            p.put("channelIndependent", channelIndependent);
            return p;
        }

        @Override
        public List<StateTensor> state() {
            List<StateTensor> state = new ArrayList<>();
            for (int j = 0; j < net.dilations.length; j++) {
                int length = (KERNEL - 1) * net.dilations[j];
                state.add(channelIndependent ? StateTensor.window("b" + j, length, targets(), net.channels)
                        : StateTensor.window("b" + j, length, net.channels));
            }
            state.add(StateTensor.window("previous", 1, features));
            return state;
        }

        @Override
        public int warmUpSteps() {
            return lookback;
        }

        @Override
        public OnnxMl.ModelProto stepGraph() {
            Graph g = new Graph("tcn_step");
            int c = net.channels;
            int t = targets();
            String x = g.input(BundleManifest.INPUT, Graph.BATCH, features);
            String ring = g.input("previous", Graph.BATCH, 1, features);
            String delta = g.node("Sub", new String[]{x, g.node("Squeeze", new String[]{ring, g.ints("axes", 1)})}); // [B, F]
            g.output(x, "previous.new", Graph.BATCH, features);
            String in = channelIndependent
                    ? g.node("Reshape", new String[]{Lags.targets(g, delta, targetIndex, 1), g.ints("shape", -1, 1)}) // [B*T, 1]
                    : delta;
            String u = Dense.apply(g, in, net.projection, "projection");           // [R, C]
            for (int j = 0; j < net.dilations.length; j++) {
                int d = net.dilations[j];
                int length = (KERNEL - 1) * d;
                String taps;
                if (channelIndependent) {
                    String window = g.input("b" + j, Graph.BATCH, length, t, c);
                    taps = g.node("Reshape", new String[]{g.node("Transpose", new String[]{window},
                            Graph.Attr.ints("perm", 0, 2, 1, 3)), g.ints("shape", -1, length, c)});        // [B*T, L_j, C]
                    g.output(g.node("Reshape", new String[]{u, g.ints("shape", -1, t, c)}), "b" + j + ".new", Graph.BATCH, t, c);
                } else {
                    taps = g.input("b" + j, Graph.BATCH, length, c);                                     // [B, L_j, C]
                    g.output(u, "b" + j + ".new", Graph.BATCH, c);
                }
                List<String> parts = new ArrayList<>(List.of(u));
                for (int m = 1; m < KERNEL; m++) { // u_{t - m d} is entry L_j - m d of the ring (oldest first)
                    parts.add(g.node("Gather", new String[]{taps, g.scalar("tap", length - (long) m * d)}, Graph.Attr.i("axis", 1)));
                }
                String stacked = g.node("Concat", parts.toArray(String[]::new), Graph.Attr.i("axis", 1));  // [R, K*C]
                String conv = Dense.apply(g, stacked, net.blocks.get(j), "block" + j);
                u = g.node("Add", new String[]{u, g.node("Relu", new String[]{conv})});
            }
            String flat = Dense.apply(g, u, net.head, "head");
            String correction = channelIndependent
                    ? g.node("Transpose", new String[]{g.node("Reshape", new String[]{flat, g.ints("shape", -1, t, horizon)})},
                            Graph.Attr.ints("perm", 0, 2, 1))
                    : g.node("Reshape", new String[]{flat, g.ints("shape", 0, horizon, t)});                // [B, H, T]
            String current = g.node("Unsqueeze", new String[]{Lags.targets(g, x, targetIndex, 1), g.ints("axes", 1)});
            g.output(g.node("Add", new String[]{correction, current}), BundleManifest.OUTPUT, Graph.BATCH, horizon, t);
            return g.build();
        }

        @Override
        public OnnxMl.ModelProto sequenceGraph() {
            Graph g = new Graph("tcn_sequence");
            int c = net.channels;
            int t = targets();
            String x = g.input(BundleManifest.INPUT, Graph.BATCH, Graph.STEPS, features);
            String steps = g.node("Gather", new String[]{g.node("Shape", new String[]{x}), g.ints("axis1", 1)}); // [1]
            String delta = g.node("Sub", new String[]{x, CausalShift.delayed(g, x, steps, 1)});                              // [B, S, F]
            String in = delta;
            if (channelIndependent) {
                String perChannel = g.node("Transpose", new String[]{Lags.targets(g, delta, targetIndex, 2)},
                        Graph.Attr.ints("perm", 0, 2, 1));                                                       // [B, T, S]
                in = g.node("Unsqueeze", new String[]{g.node("Flatten", new String[]{perChannel}, Graph.Attr.i("axis", 2)),
                        g.ints("axes", 2)});                                                                     // [B*T, S, 1]
            }
            String u = Dense.apply(g, in, net.projection, "projection");                    // [R, S, C]
            for (int j = 0; j < net.dilations.length; j++) {
                List<String> parts = new ArrayList<>();
                for (int m = 0; m < KERNEL; m++) {
                    parts.add(m == 0 ? u : CausalShift.delayed(g, u, steps, (long) m * net.dilations[j]));
                }
                String stacked = g.node("Concat", parts.toArray(String[]::new), Graph.Attr.i("axis", 2));       // [R, S, K*C]
                String conv = Dense.apply(g, stacked, net.blocks.get(j), "block" + j);
                u = g.node("Add", new String[]{u, g.node("Relu", new String[]{conv})});
            }
            String flat = Dense.apply(g, u, net.head, "head");                               // [R, S, out]
            String correction;
            if (channelIndependent) {
                String shape = g.node("Concat", new String[]{g.ints("lead", -1, t), steps, g.ints("tail", horizon)},
                        Graph.Attr.i("axis", 0));
                correction = g.node("Transpose", new String[]{g.node("Reshape", new String[]{flat, shape})},
                        Graph.Attr.ints("perm", 0, 2, 3, 1));                                                    // [B, S, H, T]
            } else {
                correction = g.node("Reshape", new String[]{flat, g.ints("shape", 0, 0, horizon, t)});
            }
            String current = g.node("Unsqueeze", new String[]{Lags.targets(g, x, targetIndex, 2), g.ints("axes", 2)});
            g.output(g.node("Add", new String[]{correction, current}), BundleManifest.OUTPUT, Graph.BATCH, Graph.STEPS, horizon, t);
            return g.build();
        }
    }
}
