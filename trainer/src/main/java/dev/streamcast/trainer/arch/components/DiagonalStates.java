package dev.streamcast.trainer.arch.components;

import ai.djl.training.initializer.Initializer;

/**
 * Where the two state-space nets (S4D, Mamba) start from, after S4D (Gu et al. 2022): a stable
 * real diagonal, A_n = -(n + 1) for state n, kept negative as A = -exp(A_log); and steps Δ spread
 * log-evenly over [{@link #MIN_DELTA}, {@link #MAX_DELTA}] across the channels.
 */
public final class DiagonalStates {

    public static final double MIN_DELTA = 1e-3;
    public static final double MAX_DELTA = 1e-1;

    private DiagonalStates() {
    }

    /** A_log [rows, states] = log(n + 1): S4D-Real. */
    public static Initializer realDiagonal(int rows, int states) {
        return (manager, shape, type) -> {
            float[] v = new float[rows * states];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) Math.log(i % states + 1);
            }
            return manager.create(v, shape);
        };
    }

    /** log Δ of channel i of {@code count}: evenly spaced from log 1e-3 to log 1e-1 (the middle for one channel). */
    public static double logDelta(int i, int count) {
        return Math.log(MIN_DELTA) + (count == 1 ? 0.5 : (double) i / (count - 1)) * (Math.log(MAX_DELTA) - Math.log(MIN_DELTA));
    }
}
