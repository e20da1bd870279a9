package dev.streamcast.trainer.arch;

/**
 * How far a framed net's forecasts move from persistence. Its head starts at zero, so a parity
 * check right after a short training could compare persistence with itself; the parity tests
 * assert that the net contributes before trusting the agreement.
 */
final class NetContribution {

    private NetContribution() {
    }

    /** The largest |yhat_t[h, k] - x_t[target k]| over every step of x [B, S, F] (no quantile head). */
    static double largestCorrection(TrainedModel model, float[] x, int batch, int steps, int features, int[] targetIndex) {
        float[] forecast = model.forwardSequence(x, batch, steps, features);                   // [B, S, H, T]
        int h = model.horizon();
        int t = targetIndex.length;
        double max = 0;
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < steps; s++) {
                for (int i = 0; i < h * t; i++) {
                    float current = x[(b * steps + s) * features + targetIndex[i % t]];
                    max = Math.max(max, Math.abs(forecast[(b * steps + s) * h * t + i] - current));
                }
            }
        }
        return max;
    }
}
