package dev.streamcast.trainer.arch;

import ai.onnx.proto.OnnxMl;
import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.onnx.Graph;
import dev.streamcast.trainer.onnx.Lags;

import java.util.List;
import java.util.Map;

/**
 * The seasonal persistence baseline: step h ahead equals the value one season (P steps) before
 * it, y(t + h) = y(t + h - P * ceil(h / P)). Its state is a window of the last P - 1 target values.
 */
public final class SeasonalNaive implements Architecture {

    @Override
    public String name() {
        return "seasonal-naive";
    }

    @Override
    public boolean trivial() {
        return true;
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        if (options.seasonPeriod() < 2) {
            throw new IllegalArgumentException("seasonal-naive needs a season of at least 2 steps, got " + options.seasonPeriod());
        }
        return new Model(data.targetIndex(), data.features(), data.horizon(), options.seasonPeriod());
    }

    record Model(int[] targetIndex, int features, int horizon, int period) implements TrainedModel {

        @Override
        public String architecture() {
            return "seasonal-naive";
        }

        @Override
        public Map<String, Object> hyperParameters() {
            return Map.of("period", (long) period);
        }

        @Override
        public long parameterCount() {
            return 0;
        }

        @Override
        public List<StateTensor> state() {
            return List.of(StateTensor.window("season", period - 1, targets()));
        }

        @Override
        public int warmUpSteps() {
            return period;
        }

        @Override
        public int targets() {
            return targetIndex.length;
        }

        /** Where in the last P values (oldest first, the current one last) step h + 1 ahead comes from. */
        private long[] offsets() {
            long[] offsets = new long[horizon];
            for (int h = 0; h < horizon; h++) {
                offsets[h] = h % period;
            }
            return offsets;
        }

        @Override
        public float[] forwardSequence(float[] x, int batch, int steps, int features) {
            int t = targets();
            long[] offsets = offsets();
            float[] out = new float[batch * steps * horizon * t];
            for (int b = 0; b < batch; b++) {
                for (int s = 0; s < steps; s++) {
                    for (int h = 0; h < horizon; h++) {
                        int source = s - (period - 1) + (int) offsets[h];
                        for (int k = 0; k < t; k++) {
                            out[((b * steps + s) * horizon + h) * t + k] =
                                    source < 0 ? 0f : x[(b * steps + source) * features + targetIndex[k]];
                        }
                    }
                }
            }
            return out;
        }

        @Override
        public OnnxMl.ModelProto stepGraph() {
            Graph g = new Graph("seasonal_naive_step");
            String x = Lags.input(g, features);
            String ring = g.input("season", Graph.BATCH, period - 1, targets());
            String current = Lags.targets(g, x, targetIndex, 1);                                           // [B, T]
            String last = Lags.withCurrent(g, ring, current);                                              // [B, P, T]
            String yhat = g.node("Gather", new String[]{last, g.ints("offsets", offsets())}, Graph.Attr.i("axis", 1));
            g.output(yhat, BundleManifest.OUTPUT, Graph.BATCH, horizon, targets());
            g.output(current, "season.new", Graph.BATCH, targets());
            return g.build();
        }

        @Override
        public OnnxMl.ModelProto sequenceGraph() {
            Graph g = new Graph("seasonal_naive_sequence");
            String x = Lags.sequenceInput(g, features);
            String yhat = Lags.lagged(g, Lags.targets(g, x, targetIndex, 2), period - 1, offsets());       // [B, S, H, T]
            g.output(yhat, BundleManifest.OUTPUT, Graph.BATCH, Graph.STEPS, horizon, targets());
            return g.build();
        }
    }
}
