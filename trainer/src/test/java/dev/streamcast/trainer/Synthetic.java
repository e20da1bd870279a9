package dev.streamcast.trainer;

import dev.streamcast.trainer.data.SeriesTable;

import java.util.List;
import java.util.Random;

/** Small made-up series for fast tests: hourly, a daily cycle, a trend and noise per column. */
public final class Synthetic {

    private Synthetic() {
    }

    public static SeriesTable hourly(int rows, List<String> columns, long seed) {
        Random random = new Random(seed);
        long start = 1_467_331_200_000L;
        long[] ts = new long[rows];
        double[][] values = new double[rows][columns.size()];
        for (int r = 0; r < rows; r++) {
            ts[r] = start + r * 3_600_000L;
            for (int c = 0; c < columns.size(); c++) {
                values[r][c] = 10 * (c + 1) + 5 * Math.sin(2 * Math.PI * r / 24.0 + c) + 0.01 * r + random.nextGaussian();
            }
        }
        return new SeriesTable("synthetic", ts, columns, values);
    }

    /** Random normalised inputs [B, S, F]. */
    public static float[] inputs(int batch, int steps, int features, long seed) {
        Random random = new Random(seed);
        float[] x = new float[batch * steps * features];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }
}
