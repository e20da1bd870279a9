package dev.streamcast.trainer.cli;

import dev.streamcast.contracts.cli.Options;
import dev.streamcast.trainer.arch.Architecture;
import dev.streamcast.trainer.arch.Architectures;
import dev.streamcast.trainer.arch.TrainOptions;
import dev.streamcast.trainer.arch.QuantileHead;
import dev.streamcast.trainer.arch.TrainedModel;
import dev.streamcast.trainer.arch.TrainingProgress;
import dev.streamcast.trainer.data.CsvFormatException;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.eval.Parity;
import dev.streamcast.trainer.training.DjlSetup;

import java.util.Map;

/**
 * {@code ./streamcast bench parity --data <csv>}: trains every architecture briefly, exports it,
 * and runs the start of the test split through the training framework, the ONNX sequence graph
 * and the ONNX step graph iterated; one line per architecture with the largest difference, then
 * {@code max_parity_diff=<x>}.
 */
public final class ParityBench {

    private ParityBench() {
    }

    public static void main(String[] args) throws Exception {
        DjlSetup.configure();
        try {
            Map<String, String> defaults = new java.util.LinkedHashMap<>(TrainCommand.OPTIONS);
            defaults.put("--epochs", "2");
            defaults.put("--max-train-windows", "512");
            defaults.put("--steps", "500");
            defaults.put("--sequences", "4");
            Options o = Options.parse(args, defaults, "bench parity");
            TrainOptions options = TrainCommand.trainOptions(o);
            Dataset data = TrainCommand.dataset(o, System.out);
            int steps = (int) o.getLong("--steps", 2, 100_000);
            int sequences = (int) o.getLong("--sequences", 1, 1024);
            int start = data.splits().testStart();
            int available = data.splits().testEnd() - start;
            if (available < steps + sequences) {
                throw new IllegalArgumentException("--steps " + steps + ": the test split has only " + available + " rows");
            }
            int f = data.features();
            float[] x = new float[sequences * steps * f];
            for (int b = 0; b < sequences; b++) { // overlapping slices of the test split, one step apart
                System.arraycopy(data.rows(start + b, start + b + steps), 0, x, b * steps * f, steps * f);
            }
            double max = 0;
            for (Architecture arch : Architectures.parse(o.get("--arch"))) {
                try (TrainedModel model = QuantileHead.fit(arch, data, options, TrainingProgress.SILENT)) {
                    Parity.Result result = Parity.check(model, x, sequences, steps, f);
                    System.out.printf("arch=%s max_abs_diff=%.3g sequence_vs_framework=%.3g step_vs_framework=%.3g step_vs_sequence=%.3g%n",
                            arch.name(), result.max(), result.sequenceVsFramework(), result.stepVsFramework(), result.stepVsSequence());
                    max = Math.max(max, result.max());
                }
            }
            System.out.printf("max_parity_diff=%.3g%n", max);
        } catch (IllegalArgumentException | CsvFormatException e) {
            System.err.println("streamcast bench parity: " + e.getMessage());
            System.exit(2);
        }
        System.exit(0);
    }
}
