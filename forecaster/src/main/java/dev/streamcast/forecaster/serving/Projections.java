package dev.streamcast.forecaster.serving;

import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.forecaster.model.ServedModel;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Each spec's {@link FeatureProjection} for the model serving now, found once per spec and model.
 * Specs are those of {@code feature-specs} and those the models served here were trained on
 * (which name the model inputs an entity remembers for a warm-up replay).
 */
final class Projections {

    private static final int MAX_MODEL_SPECS = 64;

    private final Function<String, FeatureSpec> specs;
    private final Map<String, int[]> bySpec = new HashMap<>();
    private final Map<String, FeatureSpec> modelSpecs = new HashMap<>();
    private ServedModel model;

    Projections(Function<String, FeatureSpec> specs) {
        this.specs = specs;
    }

    /** For each of the model's features, its index in vectors of spec {@code specId}; null when the model cannot read them. */
    int[] of(ServedModel served, String specId) {
        use(served);
        int[] known = bySpec.get(specId);
        if (known == null) { // not computeIfAbsent: its lambda would capture the model, an allocation per call (several per input)
            FeatureSpec spec = spec(specId);
            known = spec == null ? null : FeatureProjection.indices(served, spec);
            if (known != null) {
                bySpec.put(specId, known);
            }
        }
        return known;
    }

    /** Why the model cannot read vectors of spec {@code specId}, or null. */
    String problem(ServedModel served, String specId) {
        use(served);
        return FeatureProjection.problem(served, spec(specId));
    }

    private void use(ServedModel served) {
        if (model != served) {
            model = served;
            bySpec.clear();
            if (modelSpecs.size() >= MAX_MODEL_SPECS) {
                modelSpecs.clear();
            }
            FeatureSpec trained = served.manifest().featureSpec();
            modelSpecs.put(trained.id(), trained);
        }
    }

    private FeatureSpec spec(String id) {
        FeatureSpec spec = specs.apply(id);
        return spec != null ? spec : modelSpecs.get(id);
    }
}
