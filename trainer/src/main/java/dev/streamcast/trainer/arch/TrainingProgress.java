package dev.streamcast.trainer.arch;

/** Told after every epoch: the command line prints it, tests ignore it. */
@FunctionalInterface
public interface TrainingProgress {

    void epoch(String architecture, int epoch, int maxEpochs, double trainLoss, double validationLoss, double seconds);

    TrainingProgress SILENT = (a, e, m, t, v, s) -> {
    };
}
