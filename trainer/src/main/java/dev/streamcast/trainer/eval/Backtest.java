package dev.streamcast.trainer.eval;

import dev.streamcast.trainer.arch.TrainedModel;
import dev.streamcast.trainer.data.Dataset;

/**
 * The protocol's scores: MSE and MAE on z-scored values over every window of the test split,
 * every horizon step and every target.
 */
public final class Backtest {

    public record Scores(double mse, double mae, int windows) {
    }

    private Backtest() {
    }

    public static Scores test(TrainedModel model, Dataset data) {
        int[] windows = data.windowStarts(Dataset.Split.TEST);
        double squared = 0;
        double absolute = 0;
        long count = 0;
        int chunk = 256;
        for (int from = 0; from < windows.length; from += chunk) {
            int to = Math.min(windows.length, from + chunk);
            float[] forecast = model.forecast(data.inputs(windows, from, to), to - from, data.lookback(), data.features());
            float[] actual = data.targets(windows, from, to);
            for (int i = 0; i < forecast.length; i++) {
                double d = forecast[i] - actual[i];
                squared += d * d;
                absolute += Math.abs(d);
            }
            count += forecast.length;
        }
        return new Scores(squared / count, absolute / count, windows.length);
    }
}
