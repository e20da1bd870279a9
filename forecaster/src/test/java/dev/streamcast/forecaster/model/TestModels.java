package dev.streamcast.forecaster.model;

import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.contracts.records.FeatureSpec;

import java.util.List;
import java.util.Map;

/**
 * Served models for unit tests of the parts around a step: the manifest is real, the step graph
 * is absent (the parts under test never run it; {@code step} and {@code close} would fail).
 */
public final class TestModels {

    private TestModels() {
    }

    public static ServedModel served(BundleManifest manifest, long version) {
        return new ServedModel(manifest, version, "0".repeat(64), null);
    }

    public static BundleManifest manifest(FeatureSpec spec, List<String> targets, int horizon, double[] quantiles, double[] mean,
                                          double[] std, List<StateTensor> state, int warmUpSteps) {
        return new BundleManifest(BundleManifest.FORMAT_VERSION, "fleet", "test", Map.of(), spec, targets, horizon, quantiles,
                mean, std, state, warmUpSteps, new BundleManifest.TrainingData("test", 0, 1, 1), Map.of(), 0, 17,
                Map.of(BundleManifest.STEP_FILE, "0".repeat(64), BundleManifest.SEQUENCE_FILE, "0".repeat(64)), "test", null);
    }
}
