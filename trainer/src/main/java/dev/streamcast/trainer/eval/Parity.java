package dev.streamcast.trainer.eval;

import ai.onnxruntime.OrtException;
import dev.streamcast.trainer.arch.TrainedModel;
import dev.streamcast.trainer.onnx.OrtRunner;

/**
 * Streaming equals offline: the framework's own forward pass, the ONNX sequence graph and the
 * ONNX step graph iterated with external state must give the same forecasts after every step.
 */
public final class Parity {

    /** The three forecasts of one sequence and their largest disagreement. */
    public record Result(double sequenceVsFramework, double stepVsFramework, double stepVsSequence) {
        public double max() {
            return Math.max(sequenceVsFramework, Math.max(stepVsFramework, stepVsSequence));
        }
    }

    private Parity() {
    }

    /** Runs x [B, S, F] through all three and compares them. */
    public static Result check(TrainedModel model, float[] x, int batch, int steps, int features) throws OrtException {
        float[] framework = model.forwardSequence(x, batch, steps, features);
        float[] sequence = OrtRunner.sequence(model.sequenceGraph(), x, batch, steps, features);
        float[] stepped = OrtRunner.iterate(model.stepGraph(), model.state(), x, batch, steps, features);
        return new Result(maxAbsDiff(sequence, framework), maxAbsDiff(stepped, framework), maxAbsDiff(stepped, sequence));
    }

    public static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalStateException("forecasts of different sizes: " + a.length + " and " + b.length);
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
