package dev.streamcast.forecaster.serving;

import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.forecaster.model.ServedModel;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/** Each spec's {@link FeatureProjection} for the model serving now, found once per spec and model. */
final class Projections {

    private final Function<String, FeatureSpec> specs;
    private final Map<String, int[]> bySpec = new HashMap<>();
    private ServedModel model;

    Projections(Function<String, FeatureSpec> specs) {
        this.specs = specs;
    }

    /** For each of the model's features, its index in vectors of spec {@code specId}; null when the model cannot read them. */
    int[] of(ServedModel served, String specId) {
        if (model != served) {
            model = served;
            bySpec.clear();
        }
        return bySpec.computeIfAbsent(specId, id -> {
            FeatureSpec spec = specs.apply(id);
            return spec == null ? null : FeatureProjection.indices(served, spec);
        });
    }

    /** Why the model cannot read vectors of spec {@code specId}, or null. */
    String problem(ServedModel served, String specId) {
        return FeatureProjection.problem(served, specs.apply(specId));
    }
}
