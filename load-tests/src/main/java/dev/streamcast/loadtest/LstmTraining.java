package dev.streamcast.loadtest;

import dev.streamcast.local.process.Service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * The LSTM the load tests and {@code bench forecaster} serve: one layer of {@code hidden} units,
 * mode S on {@code c0.mean}, trained by the trainer (a child JVM, from the repository root, where
 * it keeps its native-library cache) on a history of the generated signal, and filed as a version
 * in a folder of bundles the forecaster reads ({@code forecaster.model.dir}); the first version
 * becomes {@code champion}.
 *
 * @param hidden   LSTM units
 * @param lookback training window, which is also the model's warm-up length in steps
 * @param horizon  forecast steps
 * @param step     the feature step (the window length of the stream it serves)
 */
public record LstmTraining(int hidden, int lookback, int horizon, Duration step) {

    /** The one target, which every generated feature spec names. */
    public static final String TARGET = "c0.mean";

    /**
     * Trains version {@code version} of {@code model} into {@code modelDir}; the trainer's output goes
     * to {@code trainLog}. Returns the seconds it took.
     */
    public double train(Path root, Path work, Path modelDir, String model, int version, long seed, Path trainLog)
            throws IOException, InterruptedException {
        Path csv = work.resolve("history.csv");
        Files.createDirectories(work);
        writeHistory(csv, 4000);
        Path out = work.resolve("v" + version);
        List<String> command = Service.TRAINER.command(List.of(), List.of(), List.of("--data", csv.toString(), "--mode", "S",
                "--target", TARGET, "--arch", "lstm", "--hidden", String.valueOf(hidden), "--layers", "1",
                "--lookback", String.valueOf(lookback), "--horizon", String.valueOf(horizon), "--epochs", "2",
                "--max-train-windows", "512", "--seed", String.valueOf(seed), "--name", model, "--out", out.toString()));
        Files.createDirectories(trainLog.getParent());
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(trainLog.toFile()).start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("training the LSTM failed (exit " + p.exitValue() + "); see " + trainLog);
        }
        Path bundle = out.resolve(model).resolve("lstm");
        Path target = modelDir.resolve(model).resolve(String.valueOf(version));
        Files.createDirectories(target);
        try (var files = Files.list(bundle)) {
            for (Path f : files.toList()) {
                Files.copy(f, target.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (version == 1) {
            Files.writeString(modelDir.resolve(model).resolve("aliases.properties"), "champion=1\n");
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** The generated signal of entity 0, channel 0, one row per step: what the model learns. */
    private void writeHistory(Path csv, int rows) throws IOException {
        DateTimeFormatter format = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
        LocalDateTime t = LocalDateTime.of(2020, 1, 1, 0, 0);
        StringBuilder text = new StringBuilder("date," + TARGET + "\n");
        for (int i = 0; i < rows; i++) {
            text.append(format.format(t.plusSeconds(i * step.toSeconds()))).append(',')
                    .append(LoadGenerator.value(0, 0, i)).append('\n');
        }
        Files.writeString(csv, text);
    }
}
