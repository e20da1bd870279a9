package dev.streamcast.trainer.testing;

import dev.streamcast.testkit.Signals;
import dev.streamcast.trainer.data.SeriesTable;

import java.util.List;
import java.util.Random;

/** Made-up series for fast tests, as the trainer reads them: the one test signal ({@link Signals}) as a {@link SeriesTable}. */
public final class TestSeries {

    private TestSeries() {
    }

    /** Hourly from {@link Signals#START}: one entity's {@code columns}, a daily cycle, a trend and noise of sd 1. */
    public static SeriesTable hourly(int rows, List<String> columns, long seed) {
        return of("synthetic", columns, 1, rows, Signals.HOUR, 24, 1.0, seed);
    }

    /**
     * {@code rows} steps of {@code stepMillis} from {@link Signals#START} of {@code columns}, row r taken from entity
     * r mod {@code entities} (so a model trained on it has seen every entity's level), a cycle of {@code period}
     * steps, noise of sd {@code noise}; {@code source} is what bundles name as their training data.
     */
    public static SeriesTable of(String source, List<String> columns, int entities, int rows, long stepMillis, int period,
                                 double noise, long seed) {
        long[] ts = new long[rows];
        double[][] values = new double[rows][columns.size()];
        for (int r = 0; r < rows; r++) {
            ts[r] = Signals.START + r * stepMillis;
            for (int c = 0; c < columns.size(); c++) {
                values[r][c] = Signals.noisy(r % entities, c, r, period, noise, seed);
            }
        }
        return new SeriesTable(source, ts, columns, values);
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
