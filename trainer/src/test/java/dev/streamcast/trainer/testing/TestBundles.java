package dev.streamcast.trainer.testing;

import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.Manifests;
import dev.streamcast.testkit.Signals;
import dev.streamcast.trainer.arch.Architecture;
import dev.streamcast.trainer.arch.Architectures;
import dev.streamcast.trainer.arch.Baseline;
import dev.streamcast.trainer.arch.QuantileHead;
import dev.streamcast.trainer.arch.TrainOptions;
import dev.streamcast.trainer.arch.TrainedModel;
import dev.streamcast.trainer.arch.TrainingProgress;
import dev.streamcast.trainer.bundle.BundleWriter;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.data.Mode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The one test bundle fixture of every module: real bundles, written by the trainer's own
 * {@link BundleWriter} from the one test signal ({@link TestSeries}), so their ONNX graphs are real
 * ones that ONNX Runtime loads. The baselines fit without training (milliseconds); other
 * architectures train briefly. Bundles live where the forecaster's directory source reads them:
 * {@code <root>/<model>/<version>/}, aliases in {@code <root>/<model>/aliases.properties}.
 */
public final class TestBundles {

    private TestBundles() {
    }

    /** Trains {@code arch} on {@code data} with {@code options} (quantile head included) and writes its bundle into {@code dir}. */
    public static BundleManifest write(Path dir, String name, Architecture arch, Dataset data, TrainOptions options,
                                       Map<String, Double> metrics) throws IOException {
        try (TrainedModel model = QuantileHead.fit(arch, data, options, TrainingProgress.SILENT)) {
            return BundleWriter.write(dir, name, model, data, metrics);
        }
    }

    /** {@code arch} (by its catalogue name) trained for one short epoch, as {@code <root>/<name>/<version>/}. */
    public static BundleManifest write(Path root, String name, long version, String arch, Dataset data, int season,
                                       double... quantiles) throws IOException {
        TrainOptions options = TrainOptions.defaults().withEpochs(1).withSize(8, 1).withMaxTrainWindows(64)
                .withSeason(season, 3).withQuantiles(quantiles);
        return write(root.resolve(name).resolve(String.valueOf(version)), name, Architectures.byName(arch), data, options,
                Map.of("mse", 0.1));
    }

    /** Hourly load and oil temperature, forecasting {@code oil_c} {@code horizon} steps from 24: the baselines' data. */
    public static Dataset hourlyOil(int horizon) {
        return Dataset.of(TestSeries.of("transformers.csv", List.of("load_mw", "oil_c"), 1, 700, Signals.HOUR, 24, 1.0, 7), Mode.S,
                "oil_c", 24, horizon);
    }

    /** A last-value bundle (stateless) of model {@code name}, forecasting 6 hours. */
    public static Path lastValue(Path dir, String name, Map<String, Double> metrics) throws IOException {
        return lastValue(dir, name, metrics, 6);
    }

    /** A last-value bundle forecasting {@code horizon} steps: another horizon, other graphs (other sha256). */
    public static Path lastValue(Path dir, String name, Map<String, Double> metrics, int horizon) throws IOException {
        write(dir, name, Baseline.lastValue(), hourlyOil(horizon), TrainOptions.defaults().withSeason(24, 5), metrics);
        return dir;
    }

    /** A seasonal-naive bundle: one window state tensor {@code season} of 23 entries. */
    public static Path seasonalNaive(Path dir, String name, Map<String, Double> metrics) throws IOException {
        write(dir, name, Baseline.seasonalNaive(), hourlyOil(6), TrainOptions.defaults().withSeason(24, 5), metrics);
        return dir;
    }

    /** Backtest metrics as the trainer writes them: MSE, MAE and step latencies. */
    public static Map<String, Double> metrics(double mse, double stepMicros) {
        return Map.of("mse", mse, "mae", Math.sqrt(mse), "step_us_b1", stepMicros, "step_us_b256", stepMicros * 40);
    }

    /** Points {@code alias} of {@code name} at {@code version} in a bundle folder. */
    public static void alias(Path root, String name, String alias, long version) throws IOException {
        Files.createDirectories(root.resolve(name));
        Files.writeString(root.resolve(name).resolve("aliases.properties"), alias + "=" + version + "\n");
    }

    /** The sha256 of a version's manifest: the version's identity. */
    public static String sha256(Path root, String name, long version) throws IOException {
        return Manifests.sha256(root.resolve(name).resolve(String.valueOf(version)).resolve(BundleManifest.MANIFEST_FILE));
    }
}
