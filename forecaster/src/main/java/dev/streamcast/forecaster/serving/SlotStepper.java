package dev.streamcast.forecaster.serving;

import dev.streamcast.contracts.deadletter.DeadLetterReason;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.records.Forecast;
import dev.streamcast.forecaster.ForecasterSettings;
import dev.streamcast.forecaster.batching.BatchedStep;
import dev.streamcast.forecaster.batching.PendingInputs;
import dev.streamcast.forecaster.evaluation.OnlineEvaluation;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.model.ModelSlot;
import dev.streamcast.forecaster.model.ServedModel;
import dev.streamcast.forecaster.state.EntityState;
import dev.streamcast.forecaster.state.EntityStore;
import dev.streamcast.forecaster.state.StateExpiry;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One slot's serving inside one stream task, from its named parts: the entity store
 * ({@link EntityStore}), the entities waiting for the next batch ({@link PendingInputs}), the
 * batched step ({@link BatchedStep}), the warm-up on a new model ({@link WarmUpReplay}), the
 * forecasts ({@link ForecastEmitter}), their online scoring ({@link OnlineEvaluation}) and the TTL
 * ({@link StateExpiry}).
 *
 * <p>An entity's input joins the batch by becoming its state's pending input in the store, so a
 * commit never covers an input that exists only in memory. A second input for an entity that is
 * still pending steps the batch first, which keeps every entity's inputs in order.
 */
final class SlotStepper {

    private static final Logger LOG = Logger.getLogger(SlotStepper.class);

    private final ModelSlot slot;
    private final String role;
    private final ForecasterSettings settings;
    private final ForecasterMetrics metrics;
    private final EntityStore store;
    private final PendingInputs pending;
    private final Projections projections;
    private final BatchedStep batch;
    private final WarmUpReplay warmUp;
    private final ForecastEmitter emitter;
    private final OnlineEvaluation evaluation;
    private final StateExpiry expiry;

    SlotStepper(ModelSlot slot, KeyValueStore<String, byte[]> store, ForecasterSettings settings, ForecasterMetrics metrics,
                ProcessorContext<byte[], byte[]> context, Function<String, FeatureSpec> specs) {
        this.slot = slot;
        this.role = slot.role();
        this.settings = settings;
        this.metrics = metrics;
        this.store = new EntityStore(role, store, metrics);
        this.pending = new PendingInputs(settings.maxBatch());
        this.store.open().forEach(pending::add); // waiting when the previous owner of this task stopped
        this.projections = new Projections(specs);
        this.batch = new BatchedStep(role, settings.maxBatch());
        this.warmUp = new WarmUpReplay(settings.replayOnSwap(), settings.warmupMaxSteps(), projections, new BatchedStep(role, 1));
        this.emitter = new ForecastEmitter(role, ForecastTopology.sinkName(slot),
                Codecs.forecasts(settings.forecastsEncoding()), context, metrics);
        this.evaluation = new OnlineEvaluation(role, settings.evaluationHorizons(), metrics);
        this.expiry = new StateExpiry(role, this.store, metrics, settings.ttl().toMillis());
    }

    /** Why the slot's model cannot read features of {@code spec}, or null when it can (or there is no model). */
    String mismatch(FeatureSpec spec) {
        ServedModel model = slot.current();
        return model == null ? null : FeatureProjection.problem(model, spec);
    }

    void accept(String entity, FeatureVector vector, FeatureSpec spec) {
        ServedModel model = slot.acquire();
        EntityState state = load(entity);
        if (vector.windowStart() <= state.latestWindowStart()) {
            metrics.stale(role);
            return; // a replayed or out-of-order vector: this entity has already moved past it
        }
        if (state.pending() != null) {
            flush();
            state = load(entity);
        }
        if (model != null) {
            evaluation.score(model, state, vector, projections.of(model, spec.id()));
        }
        float[] values = new float[vector.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) vector.values()[i];
        }
        EntityState.Pending input = new EntityState.Pending(spec.id(), vector.windowStart(), vector.windowEnd(), values);
        if (model == null) { // nothing to step with: keep the history, so the first model can warm up on it
            state.rememberUnserved(input, settings.warmupMaxSteps());
            store.put(entity, state);
            return;
        }
        state.await(input);
        store.put(entity, state);
        if (pending.add(entity, state)) {
            flush();
        }
    }

    /** Steps every pending input through the model, in batches of at most the configured size. */
    void flush() {
        if (pending.isEmpty()) {
            return;
        }
        ServedModel model = slot.acquire();
        if (model == null) {
            return;
        }
        for (List<PendingInputs.Waiting> waiting : pending.drain()) {
            step(model, waiting);
        }
    }

    private void step(ServedModel model, List<PendingInputs.Waiting> waiting) {
        List<PendingInputs.Waiting> stepped = new ArrayList<>(waiting.size());
        List<BatchedStep.Input> inputs = new ArrayList<>(waiting.size());
        for (PendingInputs.Waiting w : waiting) {
            EntityState state = w.state();
            if (!model.ref().equals(state.modelRef())) {
                warmUp.migrate(model, state);
            }
            String specId = state.pending().specId();
            int[] projection = projections.of(model, specId);
            if (projection == null) { // the model changed to one that cannot read this input: drop it, loudly
                metrics.refused(DeadLetterReason.SPEC_MISMATCH);
                LOG.errorf("%s: dropping the pending input of %s: %s", role, w.entity(), projections.problem(model, specId));
                state.dropPending();
                store.put(w.entity(), state);
                continue;
            }
            stepped.add(w);
            inputs.add(new BatchedStep.Input(state, state.pending().values(), projection));
        }
        if (inputs.isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        float[][] forecasts = batch.run(model, inputs);
        metrics.batch(role, inputs.size(), System.nanoTime() - start);
        long now = System.currentTimeMillis();
        for (int i = 0; i < stepped.size(); i++) {
            String entity = stepped.get(i).entity();
            EntityState state = stepped.get(i).state();
            EntityState.Pending input = state.completeStep(model.manifest().featureSpec().id(),
                    modelInputs(inputs.get(i)), warmUp.historyCapacity(model));
            if (state.steps() >= model.manifest().warmUpSteps() || settings.emitBeforeWarmUp()) {
                Forecast forecast = ForecastEmitter.forecast(model, input, forecasts[i]);
                emitter.emit(entity, forecast, input.windowEnd(), now);
                evaluation.remember(model, state, forecast);
            }
            store.put(entity, state);
        }
    }

    /** The model's own features of a stepped input, in stream units: what a warm-up replay needs of it. */
    private static float[] modelInputs(BatchedStep.Input input) {
        int[] projection = input.projection();
        float[] own = new float[projection.length];
        for (int c = 0; c < own.length; c++) {
            own[c] = input.raw()[projection[c]];
        }
        return own;
    }

    /** Drops the state of entities without input for the TTL before {@code streamTime}. */
    void expire(long streamTime) {
        for (String entity : expiry.expire(streamTime)) {
            pending.remove(entity);
        }
    }

    private EntityState load(String entity) {
        EntityState waiting = pending.get(entity);
        return waiting != null ? waiting : store.load(entity);
    }
}
