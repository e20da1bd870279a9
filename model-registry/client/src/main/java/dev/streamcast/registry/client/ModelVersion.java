package dev.streamcast.registry.client;

import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.contracts.records.ModelNames;

import java.util.List;
import java.util.Map;

/**
 * One immutable version of a registered model: the bundle's identity (sha256 of its
 * {@code manifest.json}, which lists the sha256 of every other file), its size, the backtest
 * metrics, where it came from ({@link Lineage}), what it reads and writes ({@link Signature}),
 * and who made it when. {@code archivedAt} is null while the version is live.
 */
public record ModelVersion(String model, long version, String sha256, long sizeBytes, String architecture,
                           String description, String creator, long createdAt, Long archivedAt, List<String> aliases,
                           Map<String, Double> metrics, Lineage lineage, Signature signature, List<BundleFile> files) {

    public ModelVersion {
        aliases = aliases == null ? List.of() : List.copyOf(aliases);
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
        files = files == null ? List.of() : List.copyOf(files);
    }

    /** {@code name@version}, as forecasts name their model. */
    public String ref() {
        return ModelNames.versionRef(model, version);
    }

    public boolean archived() {
        return archivedAt != null;
    }

    /**
     * Where the version came from: the training data (source and time range, epoch ms, end
     * exclusive), the trainer's version and source revision, and the hyper-parameters.
     */
    public record Lineage(String dataSource, long dataFrom, long dataTo, long dataRows, String trainerVersion,
                          String sourceRevision, Map<String, Object> hyperParameters) {

        public Lineage {
            hyperParameters = hyperParameters == null ? Map.of() : Map.copyOf(hyperParameters);
        }
    }

    /**
     * What the model reads and writes, from its manifest: the feature spec, the targets, the horizon
     * and quantiles, the per-entity state and its bytes, the parameter count, the warm-up and the opset.
     */
    public record Signature(String featureSpecId, long stepMillis, List<String> features, List<String> targets,
                            int horizon, List<Double> quantiles, List<StateTensor> state, long stateBytesPerEntity,
                            long parameterCount, int warmUpSteps, int opset) {

        public Signature {
            features = List.copyOf(features);
            targets = List.copyOf(targets);
            quantiles = quantiles == null ? List.of() : List.copyOf(quantiles);
            state = state == null ? List.of() : List.copyOf(state);
        }
    }

    /** One file of the bundle, {@code manifest.json} included. */
    public record BundleFile(String name, String sha256, long sizeBytes) {
    }
}
