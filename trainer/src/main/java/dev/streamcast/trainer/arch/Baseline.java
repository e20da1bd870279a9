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
 * The baselines every forecast must beat, with nothing to learn: seasonal persistence, step h
 * ahead equals the value one season (P steps) before it,
 * <pre>
 *   y(t + h) = y(t + h - P * ceil(h / P))
 * </pre>
 * {@code last-value} is the season of one step, P = 1: every future step equals the last observed
 * value, no state. {@code seasonal-naive} takes P from {@code --season}; its state is a window
 * {@code season} of the last P - 1 target values. No parameters either way.
 */
public final class Baseline implements Architecture {

    private final String name;
    private final boolean seasonal;

    private Baseline(String name, boolean seasonal) {
        this.name = name;
        this.seasonal = seasonal;
    }

    /** Persistence: {@code last-value}. */
    public static Baseline lastValue() {
        return new Baseline("last-value", false);
    }

    /** Seasonal persistence: {@code seasonal-naive}, P = {@code --season}. */
    public static Baseline seasonalNaive() {
        return new Baseline("seasonal-naive", true);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean trivial() {
        return true;
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        if (seasonal && options.seasonPeriod() < 2) {
            throw new IllegalArgumentException("seasonal-naive needs a season of at least 2 steps, got " + options.seasonPeriod());
        }
        return new Model(name, data.targetIndex(), data.features(), data.horizon(), seasonal ? options.seasonPeriod() : 1);
    }

    private record Model(String architecture, int[] targetIndex, int features, int horizon, int period) implements TrainedModel {

        private boolean persistence() {
            return period == 1;
        }

        @Override
        public Map<String, Object> hyperParameters() {
            return persistence() ? Map.of() : Map.of("period", (long) period);
        }

        @Override
        public long parameterCount() {
            return 0;
        }

        @Override
        public List<StateTensor> state() {
            return persistence() ? List.of() : List.of(StateTensor.window("season", period - 1, targets()));
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

        private String graphName() {
            return architecture.replace('-', '_');
        }

        @Override
        public OnnxMl.ModelProto stepGraph() {
            Graph g = new Graph(graphName() + "_step");
            String current = Lags.targets(g, Lags.input(g, features), targetIndex, 1);                          // [B, T]
            if (persistence()) {
                String last = g.node("Unsqueeze", new String[]{current, g.ints("axes", 1)});                     // [B, 1, T]
                g.output(g.node("Expand", new String[]{last, g.ints("shape", 1, horizon, 1)}), BundleManifest.OUTPUT,
                        Graph.BATCH, horizon, targets());                                                        // [B, H, T]
                return g.build();
            }
            String last = Lags.withCurrent(g, g.input("season", Graph.BATCH, period - 1, targets()), current);  // [B, P, T]
            String yhat = g.node("Gather", new String[]{last, g.ints("offsets", offsets())}, Graph.Attr.i("axis", 1));
            g.output(yhat, BundleManifest.OUTPUT, Graph.BATCH, horizon, targets());
            g.output(current, "season.new", Graph.BATCH, targets());
            return g.build();
        }

        @Override
        public OnnxMl.ModelProto sequenceGraph() {
            Graph g = new Graph(graphName() + "_sequence");
            String current = Lags.targets(g, Lags.sequenceInput(g, features), targetIndex, 2);                  // [B, S, T]
            String yhat = persistence()
                    ? g.node("Expand", new String[]{g.node("Unsqueeze", new String[]{current, g.ints("axes", 2)}),
                            g.ints("shape", 1, 1, horizon, 1)})
                    : Lags.lagged(g, current, period - 1, offsets());                                            // [B, S, H, T]
            g.output(yhat, BundleManifest.OUTPUT, Graph.BATCH, Graph.STEPS, horizon, targets());
            return g.build();
        }
    }
}
