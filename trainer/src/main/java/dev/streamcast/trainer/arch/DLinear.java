package dev.streamcast.trainer.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.onnx.proto.OnnxMl;
import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.onnx.Graph;
import dev.streamcast.trainer.onnx.Lags;
import dev.streamcast.trainer.training.Fitter;
import dev.streamcast.trainer.training.ForecastBlock;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * DLinear (Zeng et al., "Are Transformers Effective for Time Series Forecasting?", 2023): each
 * target channel's look-back window z [L] is split into a trend (a moving average of kernel k
 * with replicated ends, trend = A z) and the seasonal rest, and each part gets a linear map to
 * the horizon, shared across channels:
 * <pre>
 *   yhat = W_s (z - A z) + b_s + W_t (A z) + b_t = M^T z + b,   M = (I - A^T) W_s^T + A^T W_t^T   [L, H]
 * </pre>
 * The export uses M, which is exactly the trained model. State: a window of the last L - 1
 * target values.
 */
public final class DLinear implements Architecture {

    /** Measured best on ETTh1 in S at H = 96 (in M 1e-3 was better: a learning-rate choice tries both). */
    static final float DEFAULT_RATE = 1e-4f;

    @Override
    public float learningRate() {
        return DEFAULT_RATE;
    }

    @Override
    public String name() {
        return "dlinear";
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        if (options.trendKernel() < 1 || options.trendKernel() % 2 == 0) {
            throw new IllegalArgumentException("dlinear needs an odd moving-average kernel, got " + options.trendKernel());
        }
        int slots = options.headSlots(data.horizon()); // H, or H * Q with a quantile head
        Net net = new Net(averaging(data.lookback(), options.trendKernel()), data.targetIndex(), slots);
        Fitter fitter = Fitter.fit(name(), net, data, options, progress, learningRate());
        return new Model(net, fitter, data.features(), data.lookback(), slots, data.targetIndex(), options);
    }

    /** For x [B, S, F]: every step's window of the last {@code lookback} inputs, zeros before the start: [B * S, L, F]. */
    static float[] windows(float[] x, int batch, int steps, int features, int lookback) {
        float[] windows = new float[batch * steps * lookback * features];
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < steps; s++) {
                for (int l = 0; l < lookback; l++) {
                    int source = s - (lookback - 1) + l;
                    if (source >= 0) {
                        System.arraycopy(x, (b * steps + source) * features,
                                windows, ((b * steps + s) * lookback + l) * features, features);
                    }
                }
            }
        }
        return windows;
    }

    /** A map of each target's window in ONNX: z [..., T, L] to [..., T, H]. */
    @FunctionalInterface
    interface WindowMap {
        String apply(Graph g, String zt);
    }

    /**
     * The step graph of a map of each target's window: the ring of the last L - 1 target values and the current ones
     * make z [B, T, L], {@code map} takes it to [B, T, H] (H: the head's slots), the output is [B, H, T]; the ring's
     * new entry is the current targets. Shared by the window-linear architectures (dlinear, rlinear, nlinear).
     */
    static OnnxMl.ModelProto windowStep(String name, int features, int lookback, int horizon, int[] targetIndex, WindowMap map) {
        Graph g = new Graph(name + "_step");
        String x = Lags.input(g, features);
        String ring = g.input("lookback", Graph.BATCH, lookback - 1, targetIndex.length);
        String current = Lags.targets(g, x, targetIndex, 1);                                       // [B, T]
        String z = Lags.withCurrent(g, ring, current);                                             // [B, L, T]
        String zt = g.node("Transpose", new String[]{z}, Graph.Attr.ints("perm", 0, 2, 1));        // [B, T, L]
        g.output(g.node("Transpose", new String[]{map.apply(g, zt)}, Graph.Attr.ints("perm", 0, 2, 1)),
                BundleManifest.OUTPUT, Graph.BATCH, horizon, targetIndex.length);
        g.output(current, "lookback.new", Graph.BATCH, targetIndex.length);
        return g.build();
    }

    /** The sequence graph of the same map: every step's window of the last L target values, zeros before the start. */
    static OnnxMl.ModelProto windowSequence(String name, int features, int lookback, int horizon, int[] targetIndex, WindowMap map) {
        Graph g = new Graph(name + "_sequence");
        String x = Lags.sequenceInput(g, features);
        long[] offsets = new long[lookback];
        for (int l = 0; l < lookback; l++) {
            offsets[l] = l;
        }
        String windows = Lags.lagged(g, Lags.targets(g, x, targetIndex, 2), lookback - 1, offsets); // [B, S, L, T]
        String zt = g.node("Transpose", new String[]{windows}, Graph.Attr.ints("perm", 0, 1, 3, 2)); // [B, S, T, L]
        g.output(g.node("Transpose", new String[]{map.apply(g, zt)}, Graph.Attr.ints("perm", 0, 1, 3, 2)),
                BundleManifest.OUTPUT, Graph.BATCH, Graph.STEPS, horizon, targetIndex.length);
        return g.build();
    }

    /** A [L, L]: row i averages the k values around i, indices clamped to the window (replicated ends). */
    static float[] averaging(int lookback, int kernel) {
        float[] a = new float[lookback * lookback];
        int half = (kernel - 1) / 2;
        for (int i = 0; i < lookback; i++) {
            for (int j = i - half; j <= i + half; j++) {
                a[i * lookback + Math.min(lookback - 1, Math.max(0, j))] += 1f / kernel;
            }
        }
        return a;
    }

    static final class Net extends ForecastBlock {
        final Linear seasonal;
        final Linear trend;
        private final float[] averaging;
        private final int[] targetIndex;
        private final int horizon;
        private final int lookback;

        Net(float[] averaging, int[] targetIndex, int horizon) {
            super((byte) 1);
            this.averaging = averaging;
            this.targetIndex = targetIndex;
            this.horizon = horizon;
            this.lookback = (int) Math.round(Math.sqrt(averaging.length));
            this.seasonal = addChildBlock("seasonal", Linear.builder().setUnits(horizon).build());
            this.trend = addChildBlock("trend", Linear.builder().setUnits(horizon).build());
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();                                        // [N, L, F]
            NDList channels = new NDList();
            for (int k : targetIndex) {
                channels.add(x.get(":, :, " + k));
            }
            NDArray z = NDArrays.stack(channels, 1);                                       // [N, T, L]
            NDArray a = x.getManager().create(averaging, new Shape(lookback, lookback));
            NDArray trendPart = z.matMul(a.transpose());                                  // [N, T, L]
            NDArray seasonalPart = z.sub(trendPart);
            NDArray out = seasonal.forward(store, new NDList(seasonalPart), training).head()
                    .add(trend.forward(store, new NDList(trendPart), training).head());   // [N, T, H]
            return new NDList(out.transpose(0, 2, 1));                                     // [N, H, T]
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[]{new Shape(inputShapes[0].get(0), horizon, targetIndex.length)};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            Shape window = new Shape(inputShapes[0].get(0), targetIndex.length, lookback);
            seasonal.initialize(manager, dataType, window);
            trend.initialize(manager, dataType, window);
        }
    }

    private record Model(Net net, Fitter fitter, int features, int lookback, int horizon, int[] targetIndex,
                         TrainOptions options) implements WindowModel {

        @Override
        public String architecture() {
            return "dlinear";
        }

        @Override
        public Map<String, Object> hyperParameters() {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("lookback", (long) lookback);
            p.put("trendKernel", (long) options.trendKernel());
            p.put("learningRate", (double) (options.learningRate() > 0 ? options.learningRate() : DEFAULT_RATE));
            p.put("batchSize", (long) options.batchSize());
            return p;
        }

        /** M [L, H] and b [H] of the collapsed linear map. */
        private float[][] collapsed() {
            float[] ws = net.seasonal.getParameters().get("weight").getArray().toFloatArray();   // [H, L]
            float[] wt = net.trend.getParameters().get("weight").getArray().toFloatArray();      // [H, L]
            float[] bs = net.seasonal.getParameters().get("bias").getArray().toFloatArray();
            float[] bt = net.trend.getParameters().get("bias").getArray().toFloatArray();
            float[] a = net.averaging;
            int l = lookback;
            float[] m = new float[l * horizon];
            for (int j = 0; j < l; j++) {
                for (int h = 0; h < horizon; h++) {
                    // M[j][h] = Ws[h][j] + sum_i A[i][j] (Wt[h][i] - Ws[h][i])
                    double v = ws[h * l + j];
                    for (int i = 0; i < l; i++) {
                        double aij = a[i * l + j];
                        if (aij != 0) {
                            v += aij * (wt[h * l + i] - ws[h * l + i]);
                        }
                    }
                    m[j * horizon + h] = (float) v;
                }
            }
            float[] b = new float[horizon];
            for (int h = 0; h < horizon; h++) {
                b[h] = bs[h] + bt[h];
            }
            return new float[][]{m, b};
        }

        /** The collapsed map in ONNX: z M + b. */
        private String map(Graph g, String zt) {
            float[][] mb = collapsed();
            return g.node("Add", new String[]{g.node("MatMul", new String[]{zt, g.constant("M", mb[0], lookback, horizon)}),
                    g.constant("b", mb[1], horizon)});
        }

        @Override
        public OnnxMl.ModelProto stepGraph() {
            return windowStep("dlinear", features, lookback, horizon, targetIndex, this::map);
        }

        @Override
        public OnnxMl.ModelProto sequenceGraph() {
            return windowSequence("dlinear", features, lookback, horizon, targetIndex, this::map);
        }
    }
}
