package dev.streamcast.registry.model;

import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.contracts.records.ModelNames;

import java.util.List;
import java.util.Map;

/**
 * One immutable version of a model as the registry stores it: the bundle's identity (sha256 of its
 * {@code manifest.json}), its size, the backtest metrics, its {@link Lineage} and {@link Signature}
 * (both read from the manifest), its files, and who made it when. {@code archivedAt} is null while
 * the version is live. Its JSON is the REST API's version document (model-registry README).
 */
public record Version(String model, long version, String sha256, long sizeBytes, String architecture,
                      String description, String creator, long createdAt, Long archivedAt, List<String> aliases,
                      Map<String, Double> metrics, Lineage lineage, Signature signature, List<BundleFile> files) {

    public Version {
        aliases = List.copyOf(aliases);
        metrics = Map.copyOf(metrics);
        files = List.copyOf(files);
    }

    /** {@code name@version}, as forecasts name their model. */
    public String ref() {
        return ModelNames.versionRef(model, version);
    }

    public boolean archived() {
        return archivedAt != null;
    }

    /** The training data (source, time range in epoch ms with the end exclusive, rows), trainer and hyper-parameters. */
    public record Lineage(String dataSource, long dataFrom, long dataTo, long dataRows, String trainerVersion,
                          String sourceRevision, Map<String, Object> hyperParameters) {
    }

    /** What the model reads and writes: feature spec, targets, horizon, quantiles, state, sizes, warm-up, opset. */
    public record Signature(String featureSpecId, long stepMillis, List<String> features, List<String> targets,
                            int horizon, List<Double> quantiles, List<StateTensor> state, long stateBytesPerEntity,
                            long parameterCount, int warmUpSteps, int opset) {
    }

    /** One file of the bundle, {@code manifest.json} included. */
    public record BundleFile(String name, String sha256, long sizeBytes) {
    }
}
