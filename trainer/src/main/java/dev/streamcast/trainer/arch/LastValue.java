package dev.streamcast.trainer.arch;

import ai.onnx.proto.OnnxMl;
import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.onnx.Graph;
import dev.streamcast.trainer.onnx.Lags;

import java.util.List;
import java.util.Map;

/** The persistence baseline: every future step equals the last observed value. No state, no parameters. */
public final class LastValue implements Architecture {

    @Override
    public String name() {
        return "last-value";
    }

    @Override
    public boolean trivial() {
        return true;
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        return new Model(data.targetIndex(), data.features(), data.horizon());
    }

    record Model(int[] targetIndex, int features, int horizon) implements TrainedModel {

        @Override
        public String architecture() {
            return "last-value";
        }

        @Override
        public Map<String, Object> hyperParameters() {
            return Map.of();
        }

        @Override
        public long parameterCount() {
            return 0;
        }

        @Override
        public List<StateTensor> state() {
            return List.of();
        }

        @Override
        public int warmUpSteps() {
            return 1;
        }

        @Override
        public int targets() {
            return targetIndex.length;
        }

        @Override
        public float[] forwardSequence(float[] x, int batch, int steps, int features) {
            int t = targets();
            float[] out = new float[batch * steps * horizon * t];
            for (int b = 0; b < batch; b++) {
                for (int s = 0; s < steps; s++) {
                    for (int h = 0; h < horizon; h++) {
                        for (int k = 0; k < t; k++) {
                            out[((b * steps + s) * horizon + h) * t + k] = x[(b * steps + s) * features + targetIndex[k]];
                        }
                    }
                }
            }
            return out;
        }

        @Override
        public OnnxMl.ModelProto stepGraph() {
            Graph g = new Graph("last_value_step");
            String x = Lags.input(g, features);
            String last = g.node("Unsqueeze", new String[]{Lags.targets(g, x, targetIndex, 1), g.ints("axes", 1)}); // [B, 1, T]
            String yhat = g.node("Expand", new String[]{last, g.ints("shape", 1, horizon, 1)});                     // [B, H, T]
            g.output(yhat, BundleManifest.OUTPUT, Graph.BATCH, horizon, targets());
            return g.build();
        }

        @Override
        public OnnxMl.ModelProto sequenceGraph() {
            Graph g = new Graph("last_value_sequence");
            String x = Lags.sequenceInput(g, features);
            String last = g.node("Unsqueeze", new String[]{Lags.targets(g, x, targetIndex, 2), g.ints("axes", 2)}); // [B, S, 1, T]
            String yhat = g.node("Expand", new String[]{last, g.ints("shape", 1, 1, horizon, 1)});                  // [B, S, H, T]
            g.output(yhat, BundleManifest.OUTPUT, Graph.BATCH, Graph.STEPS, horizon, targets());
            return g.build();
        }
    }
}
