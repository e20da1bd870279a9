package dev.streamcast.forecaster.serving;

import dev.streamcast.contracts.deadletter.DeadLetter;
import dev.streamcast.contracts.deadletter.DeadLetterReason;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.records.ModelNames;
import dev.streamcast.contracts.records.Forecast;
import dev.streamcast.forecaster.ForecasterSettings;
import dev.streamcast.forecaster.batching.BatchedStep;
import dev.streamcast.forecaster.batching.InputOrigin;
import dev.streamcast.forecaster.batching.PendingInputs;
import dev.streamcast.forecaster.evaluation.OnlineEvaluation;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.model.ModelSlot;
import dev.streamcast.forecaster.model.ServedModel;
import dev.streamcast.forecaster.state.EntityPages;
import dev.streamcast.forecaster.state.EntityState;
import dev.streamcast.forecaster.state.EntityStore;
import dev.streamcast.streams.PreCommitStore;
import dev.streamcast.forecaster.state.StateExpiry;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * One slot's serving inside one stream task, from its named parts: the entity store
 * ({@link EntityStore}), the entities waiting for the next batch ({@link PendingInputs}), the
 * batched step ({@link BatchedStep}), the warm-up on a new model ({@link WarmUpReplay}), the
 * forecasts ({@link ForecastEmitter}), their online scoring ({@link OnlineEvaluation}) and the TTL
 * ({@link StateExpiry}).
 *
 * <p>An entity's input joins the batch as its state's pending input, in memory; just before each
 * commit writes the store ({@link PreCommitStore}), the states whose input still waits are written
 * into it, so a commit never covers an input that exists only in memory, and an input stepped
 * before the commit (most of them, under load) is written once, stepped. Without a
 * {@link PreCommitStore} (a store built alone, as in unit tests) each waiting input is written at
 * once. A second input for an entity that is still pending steps the batch first, which keeps every
 * entity's inputs in order.
 */
final class SlotStepper {

    private static final Logger LOG = Logger.getLogger(SlotStepper.class);

    private final ModelSlot slot;
    private final String role;
    private final ForecasterSettings settings;
    private final ForecasterMetrics metrics;
    private final ForecasterMetrics.SlotMeters meters;
    private final EntityStore store;
    private final PendingInputs pending;
    private final Projections projections;
    private final BatchedStep batch;
    private final BatchedStep single;
    private final DeadLetters deadLetters;
    private final FirstBatches failures;
    private long lastRefusalLog;
    /** Entities whose state a newer version of the model built than the one serving here, waiting for it, since when. */
    private final Map<String, Deferred> deferred = new LinkedHashMap<>();
    /** Deferred entities that got their next input: stepped with the model serving now rather than wait longer. */
    private final Set<String> stopWaiting = new HashSet<>();

    private record Deferred(PendingInputs.Waiting waiting, long since) {
    }
    private final WarmUpReplay warmUp;
    private final ForecastEmitter emitter;
    private final OnlineEvaluation evaluation;
    private final StateExpiry expiry;
    /** The task's context when inputs waiting for their batch are written only before a commit; null: written at once. */
    private final InternalProcessorContext<?, ?> writesBeforeCommit;
    private final PreCommitStore commits;

    SlotStepper(ModelSlot slot, int index, KeyValueStore<String, byte[]> store, ForecasterSettings settings, ForecasterMetrics metrics,
                ProcessorContext<byte[], byte[]> context, Function<String, FeatureSpec> specs, DeadLetters deadLetters,
                EntityPages pages) {
        this.slot = slot;
        this.role = slot.role();
        this.settings = settings;
        this.metrics = metrics;
        this.meters = metrics.slot(role);
        this.store = new EntityStore(role, store, metrics, settings.staleSteps());
        this.pending = new PendingInputs(settings.maxBatch());
        this.store.open().forEach((entity, state) -> pending.add(entity, state, null, null)); // waiting when the task's last owner stopped
        this.projections = new Projections(specs);
        this.batch = new BatchedStep(role, settings.maxBatch());
        this.single = new BatchedStep(role, 1);
        this.warmUp = new WarmUpReplay(settings.replayOnSwap(), settings.warmupMaxSteps(), projections, single);
        this.deadLetters = deadLetters;
        this.failures = new FirstBatches(slot, settings.maxFailedBatches());
        this.emitter = new ForecastEmitter(role, ForecastTopology.sinkName(slot),
                Codecs.forecasts(settings.forecastsEncoding()), context, metrics,
                pages, index);
        this.evaluation = new OnlineEvaluation(role, settings.evaluationHorizons(), metrics);
        this.expiry = new StateExpiry(role, this.store, metrics, settings.ttl().toMillis());
        this.commits = PreCommitStore.under(store);
        this.writesBeforeCommit = commits != null && context instanceof InternalProcessorContext<?, ?> internal ? internal : null;
        if (writesBeforeCommit != null) {
            commits.beforeCommit(this::writeWaitingBeforeCommit);
        }
    }

    /** Why the slot's model cannot read features of {@code spec}, or null when it can (or there is no model). */
    String mismatch(FeatureSpec spec) {
        ServedModel model = slot.current();
        return model == null || projections.of(model, spec.id()) != null ? null : projections.problem(model, spec.id());
    }

    /** The entity's page in {@code pages}, found through its state here (see {@link EntityState#page}). */
    EntityPages.Page page(String entity, EntityPages pages) {
        return load(entity).page(pages, entity);
    }

    void accept(String entity, FeatureVector vector, FeatureSpec spec, InputOrigin origin, EntityPages.Page page) {
        ServedModel model = slot.acquire();
        EntityState state = load(entity);
        if (vector.windowStart() <= state.latestWindowStart()) {
            meters.stale();
            return; // a replayed or out-of-order vector: this entity has already moved past it
        }
        if (state.pending() != null) {
            if (deferred.containsKey(entity)) {
                stopWaiting.add(entity); // its inputs stay in order: the waiting one is stepped now, by the model serving
            }
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
        if (state.isNew()) {
            state.firstForecastDueAt(model == null || settings.emitBeforeWarmUp() ? 1 : model.manifest().warmUpSteps());
        }
        if (model == null) { // nothing to step with: keep the history, so the first model can warm up on it
            state.rememberUnserved(input, settings.warmupMaxSteps());
            store.put(entity, state);
            return;
        }
        state.await(input);
        if (writesBeforeCommit == null) {
            store.put(entity, state);
        }
        if (pending.add(entity, state, origin, page)) {
            flush();
        }
    }

    /** Steps every pending input through the model, in batches of at most the configured size. */
    void flush() {
        if (pending.isEmpty() && deferred.isEmpty()) {
            return;
        }
        ServedModel model = slot.acquire();
        if (model == null) {
            return;
        }
        for (Deferred d : deferred.values()) {
            pending.add(d.waiting().entity(), d.waiting().state(), d.waiting().origin(), d.waiting().page());
        }
        for (List<PendingInputs.Waiting> waiting : pending.drain()) {
            step(model, waiting);
        }
        publishMeters();
    }

    /** The forecasts' counts, end-to-end times and online errors since the last call, to the metrics: once per flush. */
    private void publishMeters() {
        emitter.publish();
        evaluation.publish();
    }

    private void step(ServedModel model, List<PendingInputs.Waiting> waiting) {
        List<PendingInputs.Waiting> stepped = new ArrayList<>(waiting.size());
        List<BatchedStep.Input> inputs = new ArrayList<>(waiting.size());
        int failedWarmUps = 0;
        String warmUpError = null;
        long now = System.currentTimeMillis();
        for (PendingInputs.Waiting w : waiting) {
            EntityState state = w.state();
            if (!state.belongsTo(model.ref())) {
                if (waitsForNewer(model, w, now)) {
                    continue;
                }
                try {
                    warmUp.migrate(model, state);
                } catch (RuntimeException e) {
                    rethrowStreamsFailure(e);
                    state.startModel("", 0); // migrated again at its next step
                    warmUpError = e.getMessage();
                    failedWarmUps++;
                    refuse(w, DeadLetterReason.MODEL_ERROR, model.ref() + " failed the warm-up replay: " + warmUpError);
                    continue;
                }
            }
            String specId = state.pending().specId();
            int[] projection = projections.of(model, specId);
            if (projection == null) { // the model changed to one that cannot read this input
                refuse(w, DeadLetterReason.SPEC_MISMATCH, projections.problem(model, specId));
                continue;
            }
            stepped.add(w);
            inputs.add(new BatchedStep.Input(state, state.pending().values(), projection));
        }
        if (inputs.isEmpty()) {
            failures.batch(model, 0, failedWarmUps, warmUpError);
            return;
        }
        long start = System.nanoTime();
        float[][] forecasts;
        try {
            forecasts = batch.run(model, inputs);
        } catch (RuntimeException e) {
            rethrowStreamsFailure(e);
            stepOneByOne(model, stepped, inputs);
            return;
        }
        meters.batch(inputs.size(), System.nanoTime() - start);
        now = System.currentTimeMillis();
        int good = 0;
        for (int i = 0; i < stepped.size(); i++) {
            good += finish(model, stepped.get(i), inputs.get(i), forecasts[i], now) ? 1 : 0;
        }
        failures.batch(model, good, stepped.size() + failedWarmUps, warmUpError);
    }

    /**
     * Whether {@code w}'s entity waits (deferred) instead of being stepped by {@code model}: its state
     * was built with a newer version of the model, which this instance has not loaded yet (a
     * rebalance moved it here from an instance that swapped first). It waits until that version
     * serves here, until {@code forecaster.faults.newer-model-wait} has passed, or until its next
     * input arrives; then it is stepped by the model serving, counted and logged.
     */
    private boolean waitsForNewer(ServedModel model, PendingInputs.Waiting w, long now) {
        String entity = w.entity();
        long built = ModelNames.versionOf(w.state().modelRef(), model.manifest().name());
        Deferred d = deferred.remove(entity);
        if (built <= model.version() || !slot.awaitsNewer(built)) {
            stopWaiting.remove(entity);
            return false;
        }
        long since = d == null ? now : d.since();
        if (stopWaiting.remove(entity) || now - since >= settings.newerModelWait().toMillis()) {
            metrics.steppedByOlderModel(role);
            LOG.warnf("%s: %s was built with %s@%d but %s still serves here after %d ms; stepped by it (the entity replays its"
                    + " recent inputs into it)", role, entity, model.manifest().name(), built, model.ref(), now - since);
            return false;
        }
        if (d == null) {
            metrics.waitedForNewerModel(role);
        }
        deferred.put(entity, new Deferred(w, since));
        return true;
    }

    /**
     * After a failed batch: each entity stepped alone, so only the inputs the model fails on go to
     * the DLQ (a failed step leaves its entity's state as it was: {@link BatchedStep} writes the
     * state back only after ONNX Runtime returns).
     */
    private void stepOneByOne(ServedModel model, List<PendingInputs.Waiting> stepped, List<BatchedStep.Input> inputs) {
        int good = 0;
        String lastError = null;
        for (int i = 0; i < stepped.size(); i++) {
            float[] forecast;
            try {
                forecast = single.run(model, List.of(inputs.get(i)))[0];
            } catch (RuntimeException e) {
                rethrowStreamsFailure(e);
                lastError = e.getMessage();
                refuse(stepped.get(i), DeadLetterReason.MODEL_ERROR, e.getMessage());
                continue;
            }
            good += finish(model, stepped.get(i), inputs.get(i), forecast, System.currentTimeMillis()) ? 1 : 0;
        }
        failures.batch(model, good, stepped.size(), lastError);
    }

    /**
     * Completes one entity's step: its forecast out and its state stored; or, when the forecast or
     * the new state holds NaN or infinity, no forecast, a dead letter, and the entity starts over
     * (zero state, no remembered inputs: it forecasts again after the warm-up length of new inputs).
     */
    private boolean finish(ServedModel model, PendingInputs.Waiting w, BatchedStep.Input input, float[] yhat, long now) {
        String entity = w.entity();
        EntityState state = w.state();
        String nonFinite = !finite(yhat) ? "forecast" : !finite(state.tensors()) ? "new state" : null;
        if (nonFinite != null) {
            refuse(w, DeadLetterReason.NON_FINITE_OUTPUT, model.ref() + " gave a " + nonFinite + " with NaN or infinity for this"
                    + " input: no forecast; the entity's state was reset and warms up again on its next inputs");
            state.startOver(model.ref(), model.stateFloats());
            store.put(entity, state);
            return false;
        }
        EntityState.Pending stepped = state.completeStep(model.manifest().featureSpec().id(), modelInputs(input),
                warmUp.historyCapacity(model));
        if (state.steps() >= model.manifest().warmUpSteps() || settings.emitBeforeWarmUp()) {
            Forecast forecast = ForecastEmitter.forecast(model, stepped, yhat);
            // the input record's key bytes where it is known (it was read here): not encoded again per forecast
            emitter.emit(entity, w.origin() == null ? null : w.origin().key(), forecast, stepped.windowEnd(), now, w.page());
            evaluation.remember(model, state, forecast);
            state.forecastWritten();
        } else {
            state.noForecastWritten();
        }
        store.put(entity, state);
        return true;
    }

    /** The waiting input goes to the DLQ unstepped, and the entity's state is kept without it. */
    private void refuse(PendingInputs.Waiting w, DeadLetterReason reason, String why) {
        long now = System.currentTimeMillis();
        if (now - lastRefusalLog > 10_000) {
            lastRefusalLog = now;
            LOG.errorf("%s: %s of %s to forecaster-dlq: %s (at most one such line per 10 s; forecaster_refused counts them)",
                    role, reason, w.entity(), why);
        }
        EntityState state = w.state();
        deadLetters.refuse(w.entity(), state.pending(), w.origin(), DeadLetter.of(reason, role + ": " + why));
        state.dropPending();
        store.put(w.entity(), state);
    }

    private static boolean finite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Kafka's own failures (a fenced producer, a migrated task, a state store error) are not the
     * input's fault: they go on to Kafka Streams, which handles them, instead of to the DLQ.
     */
    static void rethrowStreamsFailure(RuntimeException e) {
        if (e instanceof org.apache.kafka.common.KafkaException) {
            throw e;
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

    /** The task closes: its entities leave this instance's gauges (their state stays in the store). */
    void close() {
        if (writesBeforeCommit != null) {
            commits.beforeCommit(() -> { }); // the store may outlive this task's processor
        }
        publishMeters();
        store.close();
    }

    /** Drops the state of entities without input for the TTL before {@code streamTime}; returns them. */
    List<String> expire(long streamTime) {
        writeWaiting(); // the TTL reads each stored state's last input: a waiting one is newer than the store's
        List<String> expired = expiry.expire(streamTime);
        for (String entity : expired) {
            pending.remove(entity);
            deferred.remove(entity);
        }
        return expired;
    }

    /** Writes the state of every entity whose input still waits (for its batch, or deferred for a newer model). */
    private void writeWaiting() {
        forEachWaiting(w -> store.put(w.entity(), w.state()));
    }

    private void forEachWaiting(java.util.function.Consumer<PendingInputs.Waiting> write) {
        pending.waiting().forEach(write);
        deferred.values().forEach(d -> write.accept(d.waiting()));
    }

    /**
     * {@link #writeWaiting()} as a commit begins, outside any record's processing: each write carries
     * the context a punctuation's would (its input's window end as the time, no source position), and
     * the task's context is left as it was.
     */
    private void writeWaitingBeforeCommit() {
        if (pending.isEmpty() && deferred.isEmpty()) {
            return;
        }
        ProcessorRecordContext before = writesBeforeCommit.recordContext();
        try {
            forEachWaiting(this::writeBeforeCommit);
        } finally {
            writesBeforeCommit.setRecordContext(before);
        }
    }

    private void writeBeforeCommit(PendingInputs.Waiting w) {
        EntityState.Pending input = w.state().pending();
        long time = input != null ? input.windowEnd() : System.currentTimeMillis();
        writesBeforeCommit.setRecordContext(new ProcessorRecordContext(time, -1L, -1, null, new RecordHeaders()));
        store.put(w.entity(), w.state());
    }

    /**
     * The entity's state: the store's decoded one when it keeps it (most inputs: a waiting state is
     * that same object, so one lookup finds it either way), else the waiting one, else the stored one.
     */
    private EntityState load(String entity) {
        EntityState known = store.decoded(entity);
        if (known != null) {
            return known;
        }
        EntityState waiting = pending.get(entity);
        if (waiting != null) {
            return waiting;
        }
        Deferred d = deferred.get(entity);
        return d != null ? d.waiting().state() : store.load(entity);
    }
}
