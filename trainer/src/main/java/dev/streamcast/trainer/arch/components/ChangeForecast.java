package dev.streamcast.trainer.arch.components;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.initializer.Initializer;
import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.arch.TrainOptions;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.onnx.Graph;
import dev.streamcast.trainer.onnx.Lags;

import java.util.Arrays;

/**
 * How the attention and state-space stacks frame the forecast, the convention {@code rnn} and
 * {@code tcn} established: the network reads step differences d_t = x_t - x_{t-1} (level-free,
 * so a level drifting outside the training range does not throw it off) and its head predicts
 * the change from the current value of each target (a persistence skip):
 * <pre>
 *   yhat_t[h, k] = head(net(d_1..d_t))[h, k] + x_t[target k]
 * </pre>
 * The first step has no previous input and so no difference: d_1 = 0, in a training window as at
 * the start of a stream. (Taking x_0 = 0 instead would hand every training window its level at
 * its first position, which a model that sees its whole window, such as the transformer, learns to
 * read; in a stream that first position is soon out of reach, and in the test months of ETTh1 the
 * level lies outside the training range: measured MSE 2.35 against 0.07 for persistence.)
 * When every input is a target (modes S and M) one shared network runs per channel (channel
 * independence, as in DLinear and PatchTST): a batch of B entities becomes R = B * T rows of one
 * input each, row b * T + k for channel k. Otherwise R = B rows of F inputs.
 *
 * <p>This class keeps that bookkeeping out of the architectures, on both sides: the DJL forward
 * pass and the ONNX graphs, including the per-entity state layout [B, (T,) ...] that the runtime
 * sees against the [R, ...] rows a layer works on.
 */
public final class ChangeForecast {

    /** The window holding x_{t-1} and a last element 1 once there is one (the runtime zero-fills it): [F + 1]. */
    public static final String PREVIOUS = "previous";

    private final int features;
    private final int[] targetIndex;
    /** Head outputs per row and step: H per channel, or H * T without channel independence (times Q with quantiles). */
    public final int slots;
    public final boolean channelIndependent;

    public ChangeForecast(Dataset data, TrainOptions options) {
        this.features = data.features();
        this.targetIndex = data.targetIndex();
        this.slots = options.headSlots(data.horizon());
        this.channelIndependent = data.targets().size() == data.features();
    }

    public int targets() {
        return targetIndex.length;
    }

    /** Inputs per row: 1 per channel, or every feature. */
    public int rowInputs() {
        return channelIndependent ? 1 : features;
    }

    /** Units of the head: H (x Q) per channel, or H (x Q) x T. */
    public int headUnits() {
        return channelIndependent ? slots : slots * targets();
    }

    // ---- DJL

    /** The block's output shape: [N, H(*Q), T] after the last step, or [N, S, H(*Q), T] after every step. */
    public Shape[] outputShapes(Shape[] inputShapes, boolean lastOnly) {
        Shape in = inputShapes[0];
        return lastOnly ? new Shape[]{new Shape(in.get(0), slots, targets())}
                : new Shape[]{new Shape(in.get(0), in.get(1), slots, targets())};
    }

    /**
     * The head, zero-initialised so that an untrained net forecasts persistence: in the attention
     * stacks and mamba it reads the unit-variance output of a final layer norm (s4d has none), and a
     * Xavier-initialised head would start with corrections of about one standard deviation, a start
     * the transformer did not recover from on ETTh1 (training MSE 1.15 after an epoch of 512
     * windows; test MSE 2.35 after early stopping).
     */
    public Linear head() {
        return head(headUnits());
    }

    /** A zero-initialised head of {@code units} outputs (a decoder's readout per horizon step). */
    public Linear head(int units) {
        Linear head = Linear.builder().setUnits(units).build();
        head.setInitializer(Initializer.ZEROS, Parameter.Type.WEIGHT);
        return head;
    }

    private NDArray targetsOf(NDArray x) {
        return x.get(new NDIndex(":, :, {}", x.getManager().create(Arrays.stream(targetIndex).asLongStream().toArray())));
    }

    /** x [N, S, F] to the step differences as rows [R, S, F'], 0 at the first step. */
    public NDArray rows(NDArray x) {
        long n = x.getShape().get(0);
        long steps = x.getShape().get(1);
        NDArray delta = x.zerosLike().get(":, :1, :").concat(x.get(":, 1:, :").sub(x.get(":, :-1, :")), 1); // [N, S, F]
        return channelIndependent ? targetsOf(delta).transpose(0, 2, 1).reshape(n * targets(), steps, 1) : delta;
    }

    /**
     * The head's output to the forecast: [R, headUnits] after the last step to [N, H, T], or
     * [R, S, headUnits] after every step to [N, S, H, T].
     */
    public NDArray forecast(NDArray head, NDArray x, boolean lastOnly) {
        long n = x.getShape().get(0);
        long steps = x.getShape().get(1);
        int t = targets();
        NDArray current = targetsOf(x);                                                     // [N, S, T]
        if (lastOnly) {
            NDArray correction = channelIndependent
                    ? head.reshape(n, t, slots).transpose(0, 2, 1) : head.reshape(n, slots, t);   // [N, H, T]
            return correction.add(current.get(":, -1, :").expandDims(1));
        }
        NDArray correction = channelIndependent
                ? head.reshape(n, t, steps, slots).transpose(0, 2, 3, 1) : head.reshape(n, steps, slots, t); // [N, S, H, T]
        return correction.add(current.expandDims(2));
    }

    // ---- ONNX, shared by the step and the sequence graph

    /** A per-row state shape as the runtime keeps it per entity: [T, ...] per channel, else [...]. */
    public int[] perEntity(int... rowShape) {
        if (!channelIndependent) {
            return rowShape.clone();
        }
        int[] shape = new int[rowShape.length + 1];
        shape[0] = targets();
        System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
        return shape;
    }

    public StateTensor carry(String name, int... rowShape) {
        return StateTensor.carry(name, perEntity(rowShape));
    }

    public StateTensor window(String name, int length, int... rowShape) {
        return StateTensor.window(name, length, perEntity(rowShape));
    }

    public StateTensor previous() {
        return StateTensor.window(PREVIOUS, 1, features + 1);
    }

    private static long[] dims(long lead, long length, int[] shape) {
        long[] dims = new long[shape.length + (length > 0 ? 2 : 1)];
        int i = 0;
        dims[i++] = lead;
        if (length > 0) {
            dims[i++] = length;
        }
        for (int d : shape) {
            dims[i++] = d;
        }
        return dims;
    }

    private static long[] rowsShape(int[] rowShape, long... lead) {
        long[] shape = new long[lead.length + rowShape.length];
        System.arraycopy(lead, 0, shape, 0, lead.length);
        for (int i = 0; i < rowShape.length; i++) {
            shape[lead.length + i] = rowShape[i];
        }
        return shape;
    }

    /** Declares carry input {@code name} [B, (T,) rowShape] and returns it as rows [R, rowShape]. */
    public String carryIn(Graph g, String name, int... rowShape) {
        String in = g.input(name, dims(Graph.BATCH, 0, perEntity(rowShape)));
        return channelIndependent ? g.node("Reshape", new String[]{in, g.ints("shape", rowsShape(rowShape, -1))}) : in;
    }

    /** Rows [R, rowShape] as carry output {@code name.next} [B, (T,) rowShape]. */
    public void carryOut(Graph g, String rows, String name, int... rowShape) {
        String value = channelIndependent
                ? g.node("Reshape", new String[]{rows, g.ints("shape", rowsShape(rowShape, -1, targets()))}) : rows;
        g.output(value, name + ".next", dims(Graph.BATCH, 0, perEntity(rowShape)));
    }

    /** Declares window input {@code name} [B, L, (T,) rowShape] and returns it as rows [R, L, rowShape], oldest first. */
    public String windowIn(Graph g, String name, int length, int... rowShape) {
        String in = g.input(name, dims(Graph.BATCH, length, perEntity(rowShape)));
        if (!channelIndependent) {
            return in;
        }
        long[] perm = new long[rowShape.length + 3];
        perm[0] = 0;
        perm[1] = 2;
        perm[2] = 1;
        for (int i = 3; i < perm.length; i++) {
            perm[i] = i;
        }
        String channelFirst = g.node("Transpose", new String[]{in}, Graph.Attr.ints("perm", perm));   // [B, T, L, ...]
        return g.node("Reshape", new String[]{channelFirst, g.ints("shape", rowsShape(rowShape, -1, length))});
    }

    /** The new entry of each row [R, rowShape] as window output {@code name.new} [B, (T,) rowShape]. */
    public void windowOut(Graph g, String rows, String name, int... rowShape) {
        String value = channelIndependent
                ? g.node("Reshape", new String[]{rows, g.ints("shape", rowsShape(rowShape, -1, targets()))}) : rows;
        g.output(value, name + ".new", dims(Graph.BATCH, 0, perEntity(rowShape)));
    }

    // ---- ONNX step graph

    /** Declares {@code x} [B, F] and the window {@code previous}; returns the step differences as rows [R, F']. */
    public String stepRows(Graph g) {
        String x = g.input(BundleManifest.INPUT, Graph.BATCH, features);
        String entry = g.node("Squeeze", new String[]{g.input(PREVIOUS, Graph.BATCH, 1, features + 1), g.ints("axes", 1)}); // [B, F + 1]
        String previous = g.node("Slice", new String[]{entry, g.ints("start", 0), g.ints("end", features), g.ints("axes", 1)});
        String seen = g.node("Slice", new String[]{entry, g.ints("start", features), g.ints("end", features + 1),
                g.ints("axes", 1)});                                                                          // [B, 1]: 0 at the start
        String delta = g.node("Mul", new String[]{g.node("Sub", new String[]{x, previous}), seen});         // [B, F]
        String one = g.node("Expand", new String[]{g.constant("seen", new float[]{1f}, 1, 1),
                g.node("Concat", new String[]{g.node("Slice", new String[]{g.node("Shape", new String[]{x}),
                        g.ints("start", 0), g.ints("end", 1)}), g.ints("one", 1)}, Graph.Attr.i("axis", 0))});   // [B, 1]
        g.output(g.node("Concat", new String[]{x, one}, Graph.Attr.i("axis", 1)), PREVIOUS + ".new", Graph.BATCH, features + 1);
        return channelIndependent
                ? g.node("Reshape", new String[]{Lags.targets(g, delta, targetIndex, 1), g.ints("shape", -1, 1)})  // [B*T, 1]
                : delta;
    }

    /** The head's output [R, headUnits] plus the current targets as {@code yhat} [B, H, T]. */
    public void stepForecast(Graph g, String head) {
        int t = targets();
        String correction = channelIndependent
                ? g.node("Transpose", new String[]{g.node("Reshape", new String[]{head, g.ints("shape", -1, t, slots)})},
                        Graph.Attr.ints("perm", 0, 2, 1))
                : g.node("Reshape", new String[]{head, g.ints("shape", -1, slots, t)});                           // [B, H, T]
        String current = g.node("Unsqueeze", new String[]{Lags.targets(g, BundleManifest.INPUT, targetIndex, 1),
                g.ints("axes", 1)});                                                                              // [B, 1, T]
        g.output(g.node("Add", new String[]{correction, current}), BundleManifest.OUTPUT, Graph.BATCH, slots, t);
    }

    // ---- ONNX sequence graph

    /** Declares {@code x} [B, S, F]; returns the step differences as rows [R, S, F'], 0 at the first step. */
    public String sequenceRows(Graph g) {
        String x = g.input(BundleManifest.INPUT, Graph.BATCH, Graph.STEPS, features);
        String later = g.node("Slice", new String[]{x, g.ints("start", 1), g.ints("end", Long.MAX_VALUE), g.ints("axes", 1)});
        String earlier = g.node("Slice", new String[]{x, g.ints("start", 0), g.ints("end", -1), g.ints("axes", 1)});
        String delta = g.node("Pad", new String[]{g.node("Sub", new String[]{later, earlier}),
                g.ints("pads", 0, 1, 0, 0, 0, 0)});                                                      // [B, S, F]
        if (!channelIndependent) {
            return delta;
        }
        String perChannel = g.node("Transpose", new String[]{Lags.targets(g, delta, targetIndex, 2)},
                Graph.Attr.ints("perm", 0, 2, 1));                                                       // [B, T, S]
        return g.node("Unsqueeze", new String[]{g.node("Flatten", new String[]{perChannel}, Graph.Attr.i("axis", 2)),
                g.ints("axes", 2)});                                                                     // [B*T, S, 1]
    }

    /** S of {@code x} [B, S, F], as a one-element int64 tensor. */
    public String steps(Graph g) {
        return g.node("Gather", new String[]{g.node("Shape", new String[]{BundleManifest.INPUT}), g.ints("axis1", 1)});
    }

    /** The head's output [R, S, headUnits] plus the current targets as {@code yhat} [B, S, H, T]. */
    public void sequenceForecast(Graph g, String head) {
        int t = targets();
        String correction;
        if (channelIndependent) {
            String shape = g.node("Concat", new String[]{g.ints("lead", -1, t), steps(g), g.ints("tail", slots)},
                    Graph.Attr.i("axis", 0));
            correction = g.node("Transpose", new String[]{g.node("Reshape", new String[]{head, shape})},
                    Graph.Attr.ints("perm", 0, 2, 3, 1));                                                // [B, S, H, T]
        } else {
            correction = g.node("Reshape", new String[]{head, g.ints("shape", 0, 0, slots, t)});
        }
        String current = g.node("Unsqueeze", new String[]{Lags.targets(g, BundleManifest.INPUT, targetIndex, 2),
                g.ints("axes", 2)});                                                                     // [B, S, 1, T]
        g.output(g.node("Add", new String[]{correction, current}), BundleManifest.OUTPUT, Graph.BATCH, Graph.STEPS, slots, t);
    }

    /** Hyper-parameters every framed architecture reports. */
    public void describe(java.util.Map<String, Object> p, TrainOptions options, float defaultRate, int lookback) {
        p.put("learningRate", (double) (options.learningRate() > 0 ? options.learningRate() : defaultRate));
        p.put("batchSize", (long) options.batchSize());
        p.put("lookback", (long) lookback);
        p.put("channelIndependent", channelIndependent);
    }
}
