package dev.streamcast.trainer.arch;

/** Told after every epoch: the command line prints it, tests ignore it. */
@FunctionalInterface
public interface TrainingProgress {

    void epoch(String architecture, int epoch, int maxEpochs, double trainLoss, double validationLoss, double seconds);

    /**
     * Told after an epoch in which {@code skipped} of {@code batches} batches had a loss or gradient
     * that was not finite and so made no update; {@code first} names the first such value.
     */
    default void skipped(String architecture, int epoch, int skipped, int batches, String first) {
    }

    /** Told after each fit of a learning-rate choice: the rate tried and the validation MSE it reached. */
    default void choice(String architecture, float learningRate, double validationMse) {
    }

    TrainingProgress SILENT = (a, e, m, t, v, s) -> {
    };
}
