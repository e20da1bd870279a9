package dev.streamcast.forecaster;

import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.Manifests;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.trainer.arch.Architectures;
import dev.streamcast.trainer.arch.QuantileHead;
import dev.streamcast.trainer.arch.TrainOptions;
import dev.streamcast.trainer.arch.TrainedModel;
import dev.streamcast.trainer.arch.TrainingProgress;
import dev.streamcast.trainer.bundle.BundleWriter;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.data.Mode;
import dev.streamcast.trainer.data.SeriesTable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Real bundles for the forecaster's tests, trained and exported by the trainer on a small made-up
 * history, and the offline forecast of a bundle's sequence graph to compare streaming with.
 */
public final class TestBundles {

    public static final long STEP = 60_000L;
    public static final long START = 1_700_000_000_000L / STEP * STEP;
    public static final FeatureSpec SPEC = FeatureSpec.of(STEP, List.of("load_mw.mean", "oil_c.mean", "voltage_kv.mean"));
    public static final int LOOKBACK = 8;
    public static final int HORIZON = 4;

    private TestBundles() {
    }

    /** The raw value of feature {@code k} of entity {@code e} at step {@code s}. */
    public static double value(int e, int s, int k) {
        return 20 + 7 * k + 3 * e + 4 * Math.sin(2 * Math.PI * s / 12.0 + e + k) + 0.5 * Math.cos(0.7 * s * (k + 1));
    }

    public static FeatureVector vector(int e, int s) {
        double[] values = new double[SPEC.size()];
        boolean[] observed = new boolean[SPEC.size()];
        for (int k = 0; k < values.length; k++) {
            values[k] = value(e, s, k);
            observed[k] = true;
        }
        return new FeatureVector(SPEC.id(), START + s * STEP, START + (s + 1) * STEP, values, observed);
    }

    static SeriesTable history(int rows) {
        long[] ts = new long[rows];
        double[][] values = new double[rows][SPEC.size()];
        Random noise = new Random(3);
        for (int r = 0; r < rows; r++) {
            ts[r] = START - (rows - r) * STEP;
            for (int k = 0; k < SPEC.size(); k++) {
                values[r][k] = value(r % 3, r, k) + 0.1 * noise.nextGaussian();
            }
        }
        return new SeriesTable("test-history", ts, SPEC.names(), values);
    }

    /**
     * Trains {@code arch} briefly and writes its bundle as {@code <root>/<name>/<version>/};
     * mode S forecasts oil_c.mean from itself, M every feature.
     */
    public static BundleManifest write(Path root, String name, long version, String arch, Mode mode, double... quantiles)
            throws Exception {
        Dataset data = Dataset.of(history(400), mode, "oil_c.mean", LOOKBACK, HORIZON);
        TrainOptions options = TrainOptions.defaults().withEpochs(1).withSize(8, 1).withMaxTrainWindows(64)
                .withSeason(12, 3).withQuantiles(quantiles);
        Path dir = root.resolve(name).resolve(String.valueOf(version));
        try (TrainedModel model = QuantileHead.fit(Architectures.byName(arch), data, options, TrainingProgress.SILENT)) {
            return BundleWriter.write(dir, name, model, data, Map.of("mse", 0.1));
        }
    }

    public static void alias(Path root, String name, String alias, long version) throws Exception {
        Files.createDirectories(root.resolve(name));
        Files.writeString(root.resolve(name).resolve("aliases.properties"), alias + "=" + version + "\n");
    }

    public static String sha256(Path root, String name, long version) throws Exception {
        return Manifests.sha256(root.resolve(name).resolve(String.valueOf(version)).resolve(BundleManifest.MANIFEST_FILE));
    }

    /**
     * The bundle's sequence graph over entity {@code e}'s steps [0, steps), from zero state, in
     * original units: the point forecast after every step, [steps][H * T] (median with quantiles).
     */
    public static double[][] offline(Path bundle, int e, int steps) throws Exception {
        List<FeatureVector> vectors = new java.util.ArrayList<>();
        for (int s = 0; s < steps; s++) {
            vectors.add(vector(e, s));
        }
        return dev.streamcast.forecaster.parity.StreamingParity.offline(bundle, Manifests.read(bundle), SPEC.names(), vectors);
    }
}
