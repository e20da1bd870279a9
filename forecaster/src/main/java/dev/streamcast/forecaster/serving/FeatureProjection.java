package dev.streamcast.forecaster.serving;

import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.forecaster.model.ServedModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * How a model's inputs are found in a feature vector: by name, through the vector's spec. A
 * model trained on a subset of the stream's features (mode S reads one) takes those; a spec
 * that lacks any of them, or has another step length, is a mismatch, never a silent guess.
 */
final class FeatureProjection {

    private FeatureProjection() {
    }

    /** For each model input, its index in vectors of {@code spec}; null on a mismatch. */
    static int[] indices(ServedModel model, FeatureSpec spec) {
        if (problem(model, spec) != null) {
            return null;
        }
        List<String> names = model.manifest().featureSpec().names();
        int[] map = new int[names.size()];
        for (int i = 0; i < map.length; i++) {
            map[i] = spec.indexOf(names.get(i));
        }
        return map;
    }

    /** Why {@code model} cannot read vectors of {@code spec}, or null. */
    static String problem(ServedModel model, FeatureSpec spec) {
        if (spec == null) {
            return "the spec is unknown";
        }
        FeatureSpec trained = model.manifest().featureSpec();
        if (trained.stepMillis() != spec.stepMillis()) {
            return model.ref() + " was trained on steps of " + trained.stepMillis() + " ms but spec " + spec.id()
                    + " has steps of " + spec.stepMillis() + " ms";
        }
        List<String> missing = new ArrayList<>();
        for (String name : trained.names()) {
            if (spec.indexOf(name) < 0) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            return model.ref() + " needs features " + missing + " that spec " + spec.id() + " lacks (it has " + spec.names() + ")";
        }
        return null;
    }

    /** The index of the median among the quantile levels: the point forecast. */
    static int medianIndex(double[] levels) {
        int i = Arrays.binarySearch(levels, 0.5);
        return i >= 0 ? i : levels.length / 2;
    }
}
