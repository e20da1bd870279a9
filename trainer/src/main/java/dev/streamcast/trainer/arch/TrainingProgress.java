package dev.streamcast.trainer.arch;

/** Told after every epoch: the command line prints it, tests ignore it. */
@FunctionalInterface
public interface TrainingProgress {

    void epoch(String architecture, int epoch, int maxEpochs, double trainLoss, double validationLoss, double seconds);

    TrainingProgress SILENT = (a, e, m, t, v, s) -> {
    };

    TrainingProgress PRINT = (a, e, m, t, v, s) -> System.out.printf(
            "  %-14s epoch %2d/%d  loss %.4f  val %.4f  %.1f s%n", a, e, m, t, v, s);
}
