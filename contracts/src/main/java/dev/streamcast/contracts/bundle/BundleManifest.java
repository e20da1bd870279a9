package dev.streamcast.contracts.bundle;

import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.ModelNames;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code manifest.json} of a model bundle: the contract between trainer, registry and
 * forecaster (ARCHITECTURE.md section 4). The bundle also holds {@value #STEP_FILE} and
 * {@value #SEQUENCE_FILE}, whose sha256 are listed in {@code files}.
 *
 * <p>Graph interface. {@code step.onnx}: input {@value #INPUT} [B, F] (features normalised with
 * {@code normalisation}), plus one input per state tensor (see {@link StateTensor}); output
 * {@value #OUTPUT} [B, H, T] or, with quantiles, [B, H, T, Q], in normalised units of the
 * targets, plus one output per state tensor. {@code sequence.onnx}: input {@value #INPUT}
 * [B, S, F], output {@value #OUTPUT} [B, S, H, T] (or [B, S, H, T, Q]): the forecast after every
 * step of the sequence, starting from zero state.
 */
public record BundleManifest(
        int formatVersion,
        String name,
        String architecture,
        Map<String, Object> hyperParameters,
        FeatureSpec featureSpec,
        List<String> targets,
        int horizon,
        double[] quantiles,
        double[] mean,
        double[] std,
        List<StateTensor> state,
        int warmUpSteps,
        TrainingData trainingData,
        Map<String, Double> metrics,
        long parameterCount,
        int opset,
        Map<String, String> files,
        String trainerVersion,
        String sourceRevision) {

    public static final int FORMAT_VERSION = 1;
    public static final String MANIFEST_FILE = "manifest.json";
    public static final String STEP_FILE = "step.onnx";
    public static final String SEQUENCE_FILE = "sequence.onnx";
    public static final String INPUT = "x";
    public static final String OUTPUT = "yhat";
    public static final int MAX_HORIZON = 10_000;

    /** Where the training data came from and which time range it covered (epoch ms, end exclusive). */
    public record TrainingData(String source, long from, long to, long rows) {
    }

    public BundleManifest {
        hyperParameters = Map.copyOf(hyperParameters);
        targets = List.copyOf(targets);
        quantiles = quantiles.clone();
        mean = mean.clone();
        std = std.clone();
        state = List.copyOf(state);
        metrics = Map.copyOf(metrics);
        files = Map.copyOf(files);
    }

    /** Sum of {@link StateTensor#bytesPerEntity()}: what one entity costs the forecaster's store. */
    public long stateBytesPerEntity() {
        return state.stream().mapToLong(StateTensor::bytesPerEntity).sum();
    }

    /** The index of {@code target} in the feature vector, or -1 if it is not a feature. */
    public int targetIndex(String target) {
        return featureSpec.indexOf(target);
    }

    /** Everything wrong with this manifest, one sentence each; empty when it is valid. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (formatVersion != FORMAT_VERSION) {
            problems.add("formatVersion: " + formatVersion + " is not supported (expected " + FORMAT_VERSION + ")");
        }
        if (!ModelNames.isName(name)) {
            problems.add("name: '" + name + "' is not a safe name " + ModelNames.NAME.pattern());
        }
        if (architecture == null || architecture.isBlank()) {
            problems.add("architecture: is required");
        }
        for (Map.Entry<String, Object> p : hyperParameters.entrySet()) {
            Object v = p.getValue();
            if (!(v instanceof Number || v instanceof String || v instanceof Boolean)) {
                problems.add("hyperParameters." + p.getKey() + ": expected a number, string or boolean, got " + v);
            }
        }
        int features = featureSpec.size();
        if (targets.isEmpty()) {
            problems.add("targets: at least one target is required");
        }
        for (String target : targets) {
            if (featureSpec.indexOf(target) < 0) {
                problems.add("targets: '" + target + "' is not a feature of spec " + featureSpec.id());
            }
        }
        if (new HashSet<>(targets).size() != targets.size()) {
            problems.add("targets: duplicates in " + targets);
        }
        if (horizon < 1 || horizon > MAX_HORIZON) {
            problems.add("horizon: " + horizon + " is outside 1.." + MAX_HORIZON);
        }
        for (int i = 0; i < quantiles.length; i++) {
            if (!(quantiles[i] > 0 && quantiles[i] < 1) || (i > 0 && quantiles[i] <= quantiles[i - 1])) {
                problems.add("quantiles: " + Arrays.toString(quantiles) + " must be ascending within (0, 1)");
                break;
            }
        }
        if (mean.length != features || std.length != features) {
            problems.add("normalisation: " + mean.length + " means and " + std.length + " stds for " + features + " features");
        } else {
            for (int i = 0; i < features; i++) {
                if (!Double.isFinite(mean[i])) {
                    problems.add("normalisation.mean[" + i + "] (" + featureSpec.names().get(i) + "): not finite");
                }
                if (!(std[i] > 0) || !Double.isFinite(std[i])) {
                    problems.add("normalisation.std[" + i + "] (" + featureSpec.names().get(i) + "): " + std[i] + " must be finite and positive");
                }
            }
        }
        Set<String> stateNames = new HashSet<>();
        for (StateTensor t : state) {
            if (t.name() == null || !t.name().matches("[A-Za-z][A-Za-z0-9_]{0,63}") || INPUT.equals(t.name())) {
                problems.add("state: name '" + t.name() + "' must match [A-Za-z][A-Za-z0-9_]* and differ from '" + INPUT + "'");
            } else if (!stateNames.add(t.name())) {
                problems.add("state: duplicate tensor name '" + t.name() + "'");
            }
            if (t.kind() == null) {
                problems.add("state." + t.name() + ": kind is required (CARRY or WINDOW)");
            } else if (t.kind() == StateTensor.Kind.WINDOW ? t.length() < 1 : t.length() != 0) {
                problems.add("state." + t.name() + ": length " + t.length() + (t.kind() == StateTensor.Kind.WINDOW
                        ? " must be at least 1 for a window" : " must be 0 for a carry"));
            }
            if (Arrays.stream(t.shape()).anyMatch(d -> d < 1)) {
                problems.add("state." + t.name() + ": shape " + Arrays.toString(t.shape()) + " must be positive");
            }
        }
        if (warmUpSteps < 0) {
            problems.add("warmUpSteps: " + warmUpSteps + " must not be negative");
        }
        if (trainingData == null) {
            problems.add("trainingData: is required");
        } else if (trainingData.to() < trainingData.from()) {
            problems.add("trainingData: to " + trainingData.to() + " is before from " + trainingData.from());
        }
        for (Map.Entry<String, Double> m : metrics.entrySet()) {
            if (!Double.isFinite(m.getValue())) {
                problems.add("metrics." + m.getKey() + ": not finite");
            }
        }
        if (parameterCount < 0) {
            problems.add("parameterCount: " + parameterCount + " must not be negative");
        }
        if (opset < 7 || opset > 30) {
            problems.add("opset: " + opset + " is outside 7..30");
        }
        for (String required : List.of(STEP_FILE, SEQUENCE_FILE)) {
            if (!files.containsKey(required)) {
                problems.add("files: '" + required + "' is required");
            }
        }
        for (Map.Entry<String, String> f : files.entrySet()) {
            if (!f.getKey().matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}") || f.getKey().contains("..")) {
                problems.add("files: '" + f.getKey() + "' is not a plain file name");
            }
            if (f.getValue() == null || !f.getValue().matches("[0-9a-f]{64}")) {
                problems.add("files." + f.getKey() + ": sha256 '" + f.getValue() + "' is not 64 lower-case hex digits");
            }
        }
        if (trainerVersion == null || trainerVersion.isBlank()) {
            problems.add("trainerVersion: is required");
        }
        return problems;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BundleManifest m && formatVersion == m.formatVersion && name.equals(m.name)
                && architecture.equals(m.architecture) && hyperParameters.equals(m.hyperParameters)
                && featureSpec.equals(m.featureSpec) && targets.equals(m.targets) && horizon == m.horizon
                && Arrays.equals(quantiles, m.quantiles) && Arrays.equals(mean, m.mean) && Arrays.equals(std, m.std)
                && state.equals(m.state) && warmUpSteps == m.warmUpSteps && trainingData.equals(m.trainingData)
                && metrics.equals(m.metrics) && parameterCount == m.parameterCount && opset == m.opset
                && files.equals(m.files) && trainerVersion.equals(m.trainerVersion)
                && java.util.Objects.equals(sourceRevision, m.sourceRevision);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + files.hashCode();
    }
}
