package dev.streamcast.forecaster.serving;

import dev.streamcast.forecaster.batching.BatchedStep;
import dev.streamcast.forecaster.model.ServedModel;
import dev.streamcast.forecaster.state.EntityState;

import java.util.List;

/**
 * An entity's state for a model it has not stepped with (a swap, or its first model): zero state,
 * then, with {@code forecaster.warmup.policy=replay}, the model run over the entity's remembered
 * inputs up to its warm-up length, so its next forecast is the one the model would give had it
 * always served this entity.
 */
final class WarmUpReplay {

    private final boolean replay;
    private final int maxSteps;
    private final Projections projections;
    private final BatchedStep single;

    WarmUpReplay(boolean replay, int maxSteps, Projections projections, BatchedStep single) {
        this.replay = replay;
        this.maxSteps = maxSteps;
        this.projections = projections;
        this.single = single;
    }

    void migrate(ServedModel model, EntityState state) {
        state.startModel(model.ref(), model.stateFloats());
        if (!replay) {
            return;
        }
        List<float[]> recent = state.recentInputs(historyCapacity(model));
        if (recent.isEmpty()) {
            return;
        }
        int[] projection = projections.of(model, state.historySpec());
        if (projection == null) {
            return;
        }
        for (float[] input : recent) {
            single.run(model, List.of(new BatchedStep.Input(state, input, projection)));
            state.countReplayedStep();
        }
    }

    /** How many recent inputs an entity keeps for {@code model}: its warm-up length, within 1..max-steps. */
    int historyCapacity(ServedModel model) {
        return Math.max(1, Math.min(maxSteps, model.manifest().warmUpSteps()));
    }
}
