package dev.streamcast.trainer.eval;

import dev.streamcast.trainer.arch.TrainOptions;
import dev.streamcast.trainer.arch.TrainedModel;
import dev.streamcast.trainer.data.Dataset;

import java.util.Arrays;

/**
 * The protocol's scores: MSE and MAE on z-scored values over every window of a split (the test
 * split's are reported, the validation split's chosen by), every horizon step and every target, of the point forecast (the median when the model has
 * quantiles). With quantiles also the mean pinball loss over the levels and the share of actual
 * values inside the outermost interval [lowest level, highest level].
 */
public final class Backtest {

    /** {@code pinball} and {@code coverage} are NaN without quantiles. */
    public record Scores(double mse, double mae, int windows, double pinball, double coverage) {
    }

    private Backtest() {
    }

    /** The scores over the test split: what is reported, never what is chosen by. */
    public static Scores test(TrainedModel model, Dataset data) {
        return score(model, data, Dataset.Split.TEST);
    }

    /** The scores over the validation split: what learning rates and champions are chosen by. */
    public static Scores validate(TrainedModel model, Dataset data) {
        return score(model, data, Dataset.Split.VALIDATION);
    }

    /** The scores over every window of {@code split}. */
    public static Scores score(TrainedModel model, Dataset data, Dataset.Split split) {
        int[] windows = data.windowStarts(split);
        double[] levels = model.quantiles();
        int q = Math.max(1, levels.length);
        int median = levels.length == 0 ? 0 : Arrays.binarySearch(levels, TrainOptions.MEDIAN);
        if (median < 0) {
            throw new IllegalStateException("quantile levels " + Arrays.toString(levels) + " lack the median");
        }
        double squared = 0;
        double absolute = 0;
        double pinball = 0;
        long covered = 0;
        long count = 0;
        int chunk = 256;
        for (int from = 0; from < windows.length; from += chunk) {
            int to = Math.min(windows.length, from + chunk);
            float[] forecast = model.forecast(data.inputs(windows, from, to), to - from, data.lookback(), data.features());
            float[] actual = data.targets(windows, from, to);                       // [N, H, T]; forecast [N, H, T, Q]
            for (int i = 0; i < actual.length; i++) {
                double d = forecast[i * q + median] - actual[i];
                squared += d * d;
                absolute += Math.abs(d);
                for (int l = 0; l < levels.length; l++) {
                    double e = actual[i] - forecast[i * q + l];
                    pinball += Math.max(levels[l] * e, (levels[l] - 1) * e);
                }
                if (levels.length > 1 && actual[i] >= forecast[i * q] && actual[i] <= forecast[i * q + q - 1]) {
                    covered++;
                }
            }
            count += actual.length;
        }
        return new Scores(squared / count, absolute / count, windows.length,
                levels.length == 0 ? Double.NaN : pinball / ((double) count * levels.length),
                levels.length < 2 ? Double.NaN : (double) covered / count);
    }
}
