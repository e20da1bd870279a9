package dev.streamcast.trainer.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.onnx.proto.OnnxMl;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.onnx.Graph;
import dev.streamcast.trainer.training.Fitter;
import dev.streamcast.trainer.training.ForecastBlock;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code sparsetsf}, SparseTSF (Lin et al., "SparseTSF: Modeling Long-term Time Series Forecasting with 1k Parameters",
 * ICML 2024): a linear map across periods rather than across steps. Each target channel's look-back window z [L] is
 * taken relative to its mean, smoothed by a learned kernel of one period around each step (added to itself), and cut
 * into n = L / w periods of w steps (w: {@code --season}); for every phase p of the period one linear map, shared by
 * the phases, takes the n values at phase p to the m = ceil(H / w) values at phase p of the horizon:
 * <pre>
 *   x = z - mean(z),   x' = x + k * x,   y[j w + p] = sum_i W[j, i] x'[off + i w + p] + b[j],   yhat = y + mean(z)
 * </pre>
 * (off = L - n w: a look-back that is not whole periods drops its oldest steps). Channel-independent, one set of
 * weights; parameters: (n + 1) m + 2 floor(w / 2) + 1. The whole forecast is one linear map of the centred window, which is how it
 * is exported: the same step graph as {@code rlinear}'s and the same state, a window of the last L - 1 target values.
 * With a quantile head the shared map has m Q outputs per phase, laid out horizon-major as the head expects.
 */
public final class SparseTsf implements Architecture {

    static final float DEFAULT_RATE = 1e-2f;

    @Override
    public String name() {
        return "sparsetsf";
    }

    @Override
    public float learningRate() {
        return DEFAULT_RATE;
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        int period = options.seasonPeriod();
        if (period < 2 || period > data.lookback()) {
            throw new IllegalArgumentException("sparsetsf needs a period (--season) of 2 to the look-back " + data.lookback()
                    + " steps, got " + period);
        }
        int levels = options.headSlots(data.horizon()) / data.horizon(); // Q, 1 without a quantile head
        Net net = new Net(data.lookback(), period, data.horizon(), levels, data.targetIndex());
        Fitter fitter = Fitter.fit(name(), net, data, options, progress, learningRate());
        return new Model(net, fitter, data.features(), data.lookback(), data.targetIndex(), options);
    }

    static final class Net extends ForecastBlock {
        final Conv1d smooth;
        final Linear map;
        final int lookback;
        final int period;
        final int horizon;
        final int levels;
        final int[] targetIndex;
        final int periodsIn;  // n
        final int periodsOut; // m

        Net(int lookback, int period, int horizon, int levels, int[] targetIndex) {
            super((byte) 1);
            this.lookback = lookback;
            this.period = period;
            this.horizon = horizon;
            this.levels = levels;
            this.targetIndex = targetIndex;
            this.periodsIn = lookback / period;
            this.periodsOut = (horizon + period - 1) / period;
            int kernel = 1 + 2 * (period / 2);
            this.smooth = addChildBlock("smooth", Conv1d.builder().setKernelShape(new Shape(kernel)).setFilters(1)
                    .optPadding(new Shape(kernel / 2)).optBias(false).build());
            this.map = addChildBlock("map", Linear.builder().setUnits((long) periodsOut * levels).build());
        }

        int slots() {
            return horizon * levels;
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();                                          // [N, L, F]
            long n = x.getShape().get(0);
            int t = targetIndex.length;
            NDList channels = new NDList();
            for (int k : targetIndex) {
                channels.add(x.get(":, :, " + k));
            }
            NDArray z = NDArrays.stack(channels, 1).reshape(n * t, 1, lookback);              // [N T, 1, L]
            NDArray mean = z.mean(new int[]{-1}, true);
            NDArray centred = z.sub(mean);
            NDArray smoothed = centred.add(smooth.forward(store, new NDList(centred), training).head())
                    .reshape(n * t, lookback);
            NDArray periods = smoothed.get(":, " + (lookback - periodsIn * period) + ":")
                    .reshape(n * t, periodsIn, period).transpose(0, 2, 1);                        // [N T, w, n]
            NDArray mapped = map.forward(store, new NDList(periods), training).head()            // [N T, w, m Q]
                    .reshape(n * t, period, periodsOut, levels).transpose(0, 2, 1, 3)            // [N T, m, w, Q]
                    .reshape(n * t, (long) periodsOut * period * levels)
                    .get(":, :" + slots());                                                      // [N T, H Q]
            NDArray out = mapped.add(mean.reshape(n * t, 1)).reshape(n, t, slots());
            return new NDList(out.transpose(0, 2, 1));                                           // [N, H Q, T]
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[]{new Shape(inputShapes[0].get(0), slots(), targetIndex.length)};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            long rows = inputShapes[0].get(0) * targetIndex.length;
            smooth.initialize(manager, dataType, new Shape(rows, 1, lookback));
            map.initialize(manager, dataType, new Shape(rows, period, periodsIn));
        }

        /**
         * The whole map as one matrix on the centred window, [L, H Q] (row l, column s = h Q + q), and its bias [H Q]:
         * the smoothing (x + k * x, zero-padded cross-correlation) then the shared per-phase map.
         */
        float[][] unrolled() {
            float[] kernel = smooth.getParameters().get("weight").getArray().toFloatArray();   // [1, 1, K]
            float[] w = map.getParameters().get("weight").getArray().toFloatArray();           // [m Q, n]
            float[] b = map.getParameters().get("bias").getArray().toFloatArray();             // [m Q]
            int half = kernel.length / 2;
            int offset = lookback - periodsIn * period;
            int slots = slots();
            float[] matrix = new float[lookback * slots];
            float[] bias = new float[slots];
            for (int h = 0; h < horizon; h++) {
                int j = h / period;
                int p = h % period;
                for (int q = 0; q < levels; q++) {
                    int s = h * levels + q;
                    int row = j * levels + q;
                    bias[s] = b[row];
                    for (int i = 0; i < periodsIn; i++) {
                        double weight = w[row * periodsIn + i];
                        int step = offset + i * period + p; // x'[step] = x[step] + sum_k kernel[k] x[step + k - half]
                        matrix[step * slots + s] += (float) weight;
                        for (int k = 0; k < kernel.length; k++) {
                            int source = step + k - half;
                            if (source >= 0 && source < lookback) {
                                matrix[source * slots + s] += (float) (weight * kernel[k]);
                            }
                        }
                    }
                }
            }
            return new float[][]{matrix, bias};
        }
    }

    private record Model(Net net, Fitter fitter, int features, int lookback, int[] targetIndex, TrainOptions options)
            implements WindowModel {

        @Override
        public String architecture() {
            return "sparsetsf";
        }

        @Override
        public Map<String, Object> hyperParameters() {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("lookback", (long) lookback);
            p.put("period", (long) net.period);
            p.put("learningRate", (double) (options.learningRate() > 0 ? options.learningRate() : DEFAULT_RATE));
            p.put("batchSize", (long) options.batchSize());
            return p;
        }

        @Override
        public int horizon() {
            return net.slots();
        }

        /** mean(z) + M (z - mean(z)) + b: z [..., T, L] to [..., T, H Q]. */
        private String forecast(Graph g, String zt) {
            float[][] unrolled = net.unrolled();
            String mean = g.node("ReduceMean", new String[]{zt}, Graph.Attr.ints("axes", -1), Graph.Attr.i("keepdims", 1));
            String mapped = g.node("MatMul", new String[]{g.node("Sub", new String[]{zt, mean}),
                    g.constant("W", unrolled[0], lookback, net.slots())});
            return g.node("Add", new String[]{g.node("Add", new String[]{mapped, g.constant("b", unrolled[1], net.slots())}), mean});
        }

        @Override
        public OnnxMl.ModelProto stepGraph() {
            return DLinear.windowStep("sparsetsf", features, lookback, net.slots(), targetIndex, this::forecast);
        }

        @Override
        public OnnxMl.ModelProto sequenceGraph() {
            return DLinear.windowSequence("sparsetsf", features, lookback, net.slots(), targetIndex, this::forecast);
        }
    }
}
