package dev.streamcast.trainer.arch;

import java.util.Arrays;
import java.util.TreeSet;

/**
 * How to train. Defaults suit ETTh1 at horizon 96 on a laptop CPU; tests shrink them.
 *
 * @param maxEpochs       upper bound; early stopping usually ends sooner
 * @param learningRate    Adam's rate; 0 lets each architecture use its own measured default
 * @param patience        epochs without a better validation loss before stopping
 * @param maxTrainWindows 0 for all; otherwise an evenly spaced subset (tests, quick runs)
 * @param seasonPeriod    steps per season for seasonal-naive (24 for hourly data)
 * @param trendKernel     DLinear's moving-average kernel (odd)
 * @param quantiles       empty for point forecasts only; otherwise the ascending quantile levels of
 *                        the quantile head, always including the median 0.5, which is the point forecast
 */
public record TrainOptions(int maxEpochs, int patience, int batchSize, float learningRate, int hidden, int layers,
                           float dropout, long seed, int maxTrainWindows, int seasonPeriod, int trendKernel,
                           double[] quantiles) {

    public static final double MEDIAN = 0.5;

    public TrainOptions {
        quantiles = levels(quantiles);
    }

    @Override
    public double[] quantiles() {
        return quantiles.clone();
    }

    public static TrainOptions defaults() {
        return new TrainOptions(20, 3, 32, 0f, 64, 2, 0.1f, 42L, 0, 24, 25, new double[0]);
    }

    /**
     * Quantile levels as the head uses them: ascending, distinct, within (0, 1), with the median
     * added when missing. Empty stays empty (no quantile head).
     */
    public static double[] levels(double... requested) {
        if (requested == null || requested.length == 0) {
            return new double[0];
        }
        TreeSet<Double> levels = new TreeSet<>();
        for (double q : requested) {
            if (!(q > 0 && q < 1)) {
                throw new IllegalArgumentException("quantile levels must lie strictly between 0 and 1, got " + q);
            }
            levels.add(q);
        }
        levels.add(MEDIAN);
        return levels.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * Outputs of a learned head per target: one per horizon step, times one per quantile level
     * when there is a quantile head. Laid out step-major: slot {@code h * Q + q}.
     */
    public int headSlots(int horizon) {
        return horizon * Math.max(1, quantiles.length);
    }

    public TrainOptions withEpochs(int epochs) {
        return new TrainOptions(epochs, patience, batchSize, learningRate, hidden, layers, dropout, seed,
                maxTrainWindows, seasonPeriod, trendKernel, quantiles);
    }

    public TrainOptions withSize(int hidden, int layers) {
        return new TrainOptions(maxEpochs, patience, batchSize, learningRate, hidden, layers, dropout, seed,
                maxTrainWindows, seasonPeriod, trendKernel, quantiles);
    }

    public TrainOptions withMaxTrainWindows(int windows) {
        return new TrainOptions(maxEpochs, patience, batchSize, learningRate, hidden, layers, dropout, seed,
                windows, seasonPeriod, trendKernel, quantiles);
    }

    public TrainOptions withSeason(int period, int kernel) {
        return new TrainOptions(maxEpochs, patience, batchSize, learningRate, hidden, layers, dropout, seed,
                maxTrainWindows, period, kernel, quantiles);
    }

    public TrainOptions withLearningRate(float rate) {
        return new TrainOptions(maxEpochs, patience, batchSize, rate, hidden, layers, dropout, seed,
                maxTrainWindows, seasonPeriod, trendKernel, quantiles);
    }

    public TrainOptions withSeed(long seed) {
        return new TrainOptions(maxEpochs, patience, batchSize, learningRate, hidden, layers, dropout, seed,
                maxTrainWindows, seasonPeriod, trendKernel, quantiles);
    }

    public TrainOptions withQuantiles(double... levels) {
        return new TrainOptions(maxEpochs, patience, batchSize, learningRate, hidden, layers, dropout, seed,
                maxTrainWindows, seasonPeriod, trendKernel, levels);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainOptions t && maxEpochs == t.maxEpochs && patience == t.patience && batchSize == t.batchSize
                && learningRate == t.learningRate && hidden == t.hidden && layers == t.layers && dropout == t.dropout
                && seed == t.seed && maxTrainWindows == t.maxTrainWindows && seasonPeriod == t.seasonPeriod
                && trendKernel == t.trendKernel && Arrays.equals(quantiles, t.quantiles);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(maxEpochs, patience, batchSize, learningRate, hidden, layers, dropout, seed,
                maxTrainWindows, seasonPeriod, trendKernel, Arrays.hashCode(quantiles));
    }

    @Override
    public String toString() {
        return "TrainOptions[epochs=" + maxEpochs + ", patience=" + patience + ", batch=" + batchSize + ", lr=" + learningRate
                + ", hidden=" + hidden + ", layers=" + layers + ", dropout=" + dropout + ", seed=" + seed
                + ", maxTrainWindows=" + maxTrainWindows + ", season=" + seasonPeriod + ", trendKernel=" + trendKernel
                + ", quantiles=" + Arrays.toString(quantiles) + "]";
    }
}
