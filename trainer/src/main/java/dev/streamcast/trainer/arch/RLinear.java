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
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.onnx.Graph;
import dev.streamcast.trainer.training.Fitter;
import dev.streamcast.trainer.training.ForecastBlock;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Linear maps on the window relative to itself. {@code rlinear}, RLinear (Li et al., "Revisiting Long-term Time Series
 * Forecasting: An Investigation on Linear Mapping", 2023):
 * each target channel's look-back window z [L] is normalised by its own mean and standard deviation (reversible
 * instance normalisation, RevIN, statistics the stream carries in the window ring), one linear map shared across
 * channels takes it to the horizon, and the forecast is scaled back:
 * <pre>
 *   mu = mean(z), sigma = sqrt(var(z) + eps),   yhat = sigma (W (z - mu) / sigma + b) + mu
 * </pre>
 * Channel-independent, so mode M is T univariate problems with one set of weights. A level shift or a change of
 * scale since training does not move the normalised window, which is why it holds up at long horizons.
 * {@code nlinear}, NLinear (Zeng et al. 2023): the window relative to its last value, yhat = W (z - z_L) + b + z_L,
 * which is one linear map of the window, exported as such. State of both: a window of the last L - 1 target values,
 * as DLinear's.
 */
public final class RLinear implements Architecture {

    static final float EPSILON = 1e-5f;
    static final float DEFAULT_RATE = 1e-3f;

    /** Whether the window is scaled by its own standard deviation around its mean (rlinear) or moved by its last value (nlinear). */
    private final boolean revin;

    private RLinear(boolean revin) {
        this.revin = revin;
    }

    public static RLinear rlinear() {
        return new RLinear(true);
    }

    public static RLinear nlinear() {
        return new RLinear(false);
    }

    @Override
    public String name() {
        return revin ? "rlinear" : "nlinear";
    }

    @Override
    public float learningRate() {
        return DEFAULT_RATE;
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        int slots = options.headSlots(data.horizon()); // H, or H * Q with a quantile head
        Net net = new Net(data.lookback(), data.targetIndex(), slots, revin);
        Fitter fitter = Fitter.fit(name(), net, data, options, progress, learningRate());
        return new Model(name(), net, fitter, data.features(), data.lookback(), slots, data.targetIndex(), options);
    }

    static final class Net extends ForecastBlock {
        final Linear map;
        private final int[] targetIndex;
        private final int horizon;
        private final int lookback;
        private final boolean revin;

        Net(int lookback, int[] targetIndex, int horizon, boolean revin) {
            super((byte) 1);
            this.lookback = lookback;
            this.revin = revin;
            this.targetIndex = targetIndex;
            this.horizon = horizon;
            this.map = addChildBlock("map", Linear.builder().setUnits(horizon).build());
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();                                        // [N, L, F]
            NDList channels = new NDList();
            for (int k : targetIndex) {
                channels.add(x.get(":, :, " + k));
            }
            NDArray z = NDArrays.stack(channels, 1);                                       // [N, T, L]
            if (!revin) {
                NDArray last = z.get(":, :, " + (lookback - 1) + ":");                     // [N, T, 1]
                NDArray out = map.forward(store, new NDList(z.sub(last)), training).head().add(last);
                return new NDList(out.transpose(0, 2, 1));
            }
            NDArray mean = z.mean(new int[]{-1}, true);                                    // [N, T, 1]
            NDArray centred = z.sub(mean);
            NDArray std = centred.square().mean(new int[]{-1}, true).add(EPSILON).sqrt();  // [N, T, 1]
            NDArray out = map.forward(store, new NDList(centred.div(std)), training).head()
                    .mul(std).add(mean);                                                   // [N, T, H]
            return new NDList(out.transpose(0, 2, 1));                                     // [N, H, T]
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[]{new Shape(inputShapes[0].get(0), horizon, targetIndex.length)};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            map.initialize(manager, dataType, new Shape(inputShapes[0].get(0), targetIndex.length, lookback));
        }
    }

    private record Model(String architecture, Net net, Fitter fitter, int features, int lookback, int horizon, int[] targetIndex,
                         TrainOptions options) implements WindowModel {

        @Override
        public Map<String, Object> hyperParameters() {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("lookback", (long) lookback);
            p.put("learningRate", (double) (options.learningRate() > 0 ? options.learningRate() : DEFAULT_RATE));
            p.put("batchSize", (long) options.batchSize());
            return p;
        }

        /** The normalised window's forecast, scaled back: z [..., T, L] to [..., T, H]. */
        private String forecast(Graph g, String zt) {
            float[] w = net.map.getParameters().get("weight").getArray().toFloatArray();         // [H, L]
            float[] b = net.map.getParameters().get("bias").getArray().toFloatArray();           // [H]
            float[] wt = new float[lookback * horizon];                                          // [L, H]
            for (int h = 0; h < horizon; h++) {
                double rowSum = 0;
                for (int l = 0; l < lookback; l++) {
                    wt[l * horizon + h] = w[h * lookback + l];
                    rowSum += w[h * lookback + l];
                }
                if (!net.revin) { // W (z - z_L) + z_L: the last value's weight takes 1 - sum of the row
                    wt[(lookback - 1) * horizon + h] += (float) (1 - rowSum);
                }
            }
            if (!net.revin) {
                return g.node("Add", new String[]{g.node("MatMul", new String[]{zt, g.constant("W", wt, lookback, horizon)}),
                        g.constant("b", b, horizon)});
            }
            String mean = g.node("ReduceMean", new String[]{zt}, Graph.Attr.ints("axes", -1), Graph.Attr.i("keepdims", 1));
            String centred = g.node("Sub", new String[]{zt, mean});
            String std = g.node("Sqrt", new String[]{g.node("Add", new String[]{
                    g.node("ReduceMean", new String[]{g.node("Mul", new String[]{centred, centred})},
                            Graph.Attr.ints("axes", -1), Graph.Attr.i("keepdims", 1)),
                    g.constant("epsilon", new float[]{EPSILON})})});
            String mapped = g.node("Add", new String[]{
                    g.node("MatMul", new String[]{g.node("Div", new String[]{centred, std}), g.constant("W", wt, lookback, horizon)}),
                    g.constant("b", b, horizon)});
            return g.node("Add", new String[]{g.node("Mul", new String[]{mapped, std}), mean});
        }

        @Override
        public OnnxMl.ModelProto stepGraph() {
            return DLinear.windowStep(architecture, features, lookback, horizon, targetIndex, this::forecast);
        }

        @Override
        public OnnxMl.ModelProto sequenceGraph() {
            return DLinear.windowSequence(architecture, features, lookback, horizon, targetIndex, this::forecast);
        }
    }
}
