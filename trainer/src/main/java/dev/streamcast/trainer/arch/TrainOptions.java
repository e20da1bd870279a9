package dev.streamcast.trainer.arch;

/**
 * How to train. Defaults suit ETTh1 at horizon 96 on a laptop CPU; tests shrink them.
 *
 * @param maxEpochs       upper bound; early stopping usually ends sooner
 * @param learningRate    Adam's rate; 0 lets each architecture use its own measured default
 * @param patience        epochs without a better validation loss before stopping
 * @param maxTrainWindows 0 for all; otherwise an evenly spaced subset (tests, quick runs)
 * @param seasonPeriod    steps per season for seasonal-naive (24 for hourly data)
 * @param trendKernel     DLinear's moving-average kernel (odd)
 */
public record TrainOptions(int maxEpochs, int patience, int batchSize, float learningRate, int hidden, int layers,
                           float dropout, long seed, int maxTrainWindows, int seasonPeriod, int trendKernel) {

    public static TrainOptions defaults() {
        return new TrainOptions(20, 3, 32, 0f, 64, 2, 0.1f, 42L, 0, 24, 25);
    }

    public TrainOptions withEpochs(int epochs) {
        return new TrainOptions(epochs, patience, batchSize, learningRate, hidden, layers, dropout, seed,
                maxTrainWindows, seasonPeriod, trendKernel);
    }

    public TrainOptions withSize(int hidden, int layers) {
        return new TrainOptions(maxEpochs, patience, batchSize, learningRate, hidden, layers, dropout, seed,
                maxTrainWindows, seasonPeriod, trendKernel);
    }

    public TrainOptions withMaxTrainWindows(int windows) {
        return new TrainOptions(maxEpochs, patience, batchSize, learningRate, hidden, layers, dropout, seed,
                windows, seasonPeriod, trendKernel);
    }

    public TrainOptions withSeason(int period, int kernel) {
        return new TrainOptions(maxEpochs, patience, batchSize, learningRate, hidden, layers, dropout, seed,
                maxTrainWindows, period, kernel);
    }
}
