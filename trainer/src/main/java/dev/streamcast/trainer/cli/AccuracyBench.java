package dev.streamcast.trainer.cli;

import dev.streamcast.contracts.cli.Options;
import dev.streamcast.trainer.arch.Architecture;
import dev.streamcast.trainer.arch.Architectures;
import dev.streamcast.trainer.arch.TrainOptions;
import dev.streamcast.trainer.data.CsvFormatException;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.eval.Comparison;
import dev.streamcast.trainer.training.DjlSetup;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./streamcast bench accuracy --data <csv> --mode S|M --horizon H [--arch ...]}: one line
 * per architecture, then {@code best=<arch> mse=<x> mae=<y>} among the non-trivial ones; each
 * epoch's losses go to standard error as they come, as {@code train} prints them. With
 * {@code --suite ltsf}: every horizon in M and S ({@link LtsfSuite}).
 */
public final class AccuracyBench {

    private AccuracyBench() {
    }

    public static void main(String[] args) throws Exception {
        DjlSetup.configure();
        if (java.util.Arrays.asList(args).contains("--suite")) {
            LtsfSuite.main(args);
            return;
        }
        try {
            Options o = Options.parse(args, TrainCommand.OPTIONS, "bench accuracy");
            List<Architecture> archs = Architectures.parse(o.get("--arch"));
            TrainOptions options = trainOptions(o);
            Dataset data = TrainCommand.dataset(o, System.out);
            List<Comparison.Row> rows = new ArrayList<>();
            boolean choose = TrainCommand.chooseLearningRate(o);
            for (Architecture arch : archs) {
                Comparison.Row row = Comparison.run(arch, data, options, Comparison.learningRates(arch, options.learningRate(), choose),
                        TrainCommand.progress(System.err), (model, r) -> { });
                System.out.println(row.line());
                rows.add(row);
            }
            Comparison.bestLearned(rows).ifPresentOrElse(
                    best -> System.out.printf("best=%s mse=%.4f mae=%.4f%n", best.arch(), best.mse(), best.mae()),
                    () -> System.out.println("best=none (only baselines ran)"));
        } catch (IllegalArgumentException | CsvFormatException e) {
            System.err.println("streamcast bench accuracy: " + e.getMessage());
            System.exit(2);
        }
        System.exit(0);
    }

    private static TrainOptions trainOptions(Options o) {
        return TrainCommand.trainOptions(o);
    }
}
