package dev.streamcast.trainer.arch;

import ai.onnx.proto.OnnxMl;
import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.onnx.Graph;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The optional quantile head, the same for every architecture, so an architecture only has to
 * size its head by {@link TrainOptions#headSlots}. The forecast gains a last dimension of Q
 * levels, [.., H, T, Q], whose median is the point forecast.
 *
 * <ul>
 *   <li>A learned architecture trains its head with H * Q slots per target on the pinball loss
 *   (see {@code Fitter}); this class lays those slots out as [.., H, T, Q], in the framework's
 *   forecasts and, by a Reshape and Transpose appended to both graphs, in ONNX.</li>
 *   <li>A baseline has nothing to learn from: its levels are its point forecast plus, per
 *   horizon step and target, the empirical quantile of its residuals over the training windows,
 *   the constant offset that minimises the pinball loss there.</li>
 * </ul>
 */
public final class QuantileHead implements TrainedModel {

    /** Training windows the baselines' residual quantiles are taken over, evenly spaced, at most. */
    static final int RESIDUAL_WINDOWS = 4096;

    private final TrainedModel point;
    private final double[] levels;
    private final int horizon;
    private final float[] offsets; // [H, T, Q] for a baseline; null for a learned head

    private QuantileHead(TrainedModel point, double[] levels, int horizon, float[] offsets) {
        this.point = point;
        this.levels = levels;
        this.horizon = horizon;
        this.offsets = offsets;
    }

    /** Fits {@code arch}, with a quantile head when the options ask for quantile levels. */
    public static TrainedModel fit(Architecture arch, Dataset data, TrainOptions options, TrainingProgress progress) {
        TrainedModel model = arch.fit(data, options, progress);
        double[] levels = options.quantiles();
        if (levels.length == 0) {
            return model;
        }
        try {
            if (!arch.trivial()) {
                if (model.horizon() != options.headSlots(data.horizon())) {
                    throw new IllegalStateException(arch.name() + " sized its head for " + model.horizon()
                            + " slots, not horizon x quantiles = " + options.headSlots(data.horizon()));
                }
                return new QuantileHead(model, levels, data.horizon(), null);
            }
            return new QuantileHead(model, levels, data.horizon(),
                    residualQuantiles(model, data, levels, options.maxTrainWindows()));
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Per horizon step and target, the empirical quantiles of (actual - forecast) on training windows: [H, T, Q]. */
    private static float[] residualQuantiles(TrainedModel model, Dataset data, double[] levels, int maxWindows) {
        int[] all = data.windowStarts(Dataset.Split.TRAIN);
        int n = Math.min(all.length, maxWindows > 0 ? Math.min(maxWindows, RESIDUAL_WINDOWS) : RESIDUAL_WINDOWS);
        int[] windows = new int[n];
        for (int i = 0; i < n; i++) {
            windows[i] = all[(int) ((long) i * all.length / n)];
        }
        int h = data.horizon();
        int t = data.targets().size();
        float[] forecast = model.forecast(data.inputs(windows, 0, n), n, data.lookback(), data.features()); // [N, H, T]
        float[] actual = data.targets(windows, 0, n);
        float[] offsets = new float[h * t * levels.length];
        double[] residuals = new double[n];
        for (int cell = 0; cell < h * t; cell++) {
            for (int w = 0; w < n; w++) {
                residuals[w] = actual[w * h * t + cell] - forecast[w * h * t + cell];
            }
            Arrays.sort(residuals);
            for (int q = 0; q < levels.length; q++) {
                offsets[cell * levels.length + q] = (float) quantile(residuals, levels[q]);
            }
        }
        return offsets;
    }

    /** The level-q quantile of sorted values, interpolated between order statistics. */
    static double quantile(double[] sorted, double q) {
        double position = q * (sorted.length - 1);
        int below = (int) Math.floor(position);
        int above = Math.min(sorted.length - 1, below + 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }

    @Override
    public double[] quantiles() {
        return levels.clone();
    }

    @Override
    public int horizon() {
        return horizon;
    }

    @Override
    public String architecture() {
        return point.architecture();
    }

    @Override
    public Map<String, Object> hyperParameters() {
        return point.hyperParameters();
    }

    @Override
    public long parameterCount() {
        return point.parameterCount() + (offsets == null ? 0 : offsets.length);
    }

    @Override
    public List<StateTensor> state() {
        return point.state();
    }

    @Override
    public int warmUpSteps() {
        return point.warmUpSteps();
    }

    @Override
    public int targets() {
        return point.targets();
    }

    @Override
    public float[] forwardSequence(float[] x, int batch, int steps, int features) {
        return toLevels(point.forwardSequence(x, batch, steps, features), batch * steps);
    }

    @Override
    public float[] forecast(float[] x, int batch, int steps, int features) {
        return toLevels(point.forecast(x, batch, steps, features), batch);
    }

    /** The inner model's rows, [R, H*Q, T] (learned) or [R, H, T] (baseline), as [R, H, T, Q]. */
    private float[] toLevels(float[] inner, int rows) {
        int t = targets();
        int q = levels.length;
        float[] out = new float[rows * horizon * t * q];
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < horizon; h++) {
                for (int k = 0; k < t; k++) {
                    int to = ((r * horizon + h) * t + k) * q;
                    for (int l = 0; l < q; l++) {
                        out[to + l] = offsets == null
                                ? inner[((r * horizon + h) * q + l) * t + k]
                                : inner[(r * horizon + h) * t + k] + offsets[(h * t + k) * q + l];
                    }
                }
            }
        }
        return out;
    }

    @Override
    public OnnxMl.ModelProto stepGraph() {
        return withLevels(point.stepGraph(), false);
    }

    @Override
    public OnnxMl.ModelProto sequenceGraph() {
        return withLevels(point.sequenceGraph(), true);
    }

    private OnnxMl.ModelProto withLevels(OnnxMl.ModelProto model, boolean sequence) {
        Graph g = Graph.extend(model);
        String raw = g.detachOutput(BundleManifest.OUTPUT);
        int t = targets();
        int q = levels.length;
        String yhat;
        if (offsets == null) {
            // slots h * Q + q: [B, (S,) H*Q, T] -> [B, (S,) H, Q, T] -> [B, (S,) H, T, Q]
            yhat = sequence
                    ? g.node("Transpose", new String[]{g.node("Reshape", new String[]{raw, g.ints("shape", 0, 0, horizon, q, t)})},
                            Graph.Attr.ints("perm", 0, 1, 2, 4, 3))
                    : g.node("Transpose", new String[]{g.node("Reshape", new String[]{raw, g.ints("shape", 0, horizon, q, t)})},
                            Graph.Attr.ints("perm", 0, 1, 3, 2));
        } else {
            String expanded = g.node("Unsqueeze", new String[]{raw, g.ints("axes", -1)});      // [B, (S,) H, T, 1]
            yhat = g.node("Add", new String[]{expanded, g.constant("offsets", offsets, horizon, t, q)});
        }
        if (sequence) {
            g.output(yhat, BundleManifest.OUTPUT, Graph.BATCH, Graph.STEPS, horizon, t, q);
        } else {
            g.output(yhat, BundleManifest.OUTPUT, Graph.BATCH, horizon, t, q);
        }
        return g.build();
    }

    @Override
    public void close() {
        point.close();
    }
}
