package dev.streamcast.forecaster.serving;

import dev.streamcast.contracts.deadletter.DeadLetter;
import dev.streamcast.contracts.deadletter.DeadLetterReason;
import dev.streamcast.contracts.json.Codec;
import dev.streamcast.contracts.json.Decoded;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.EntityKey;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.forecaster.ForecasterSettings;
import dev.streamcast.forecaster.batching.InputOrigin;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.model.ModelSlot;
import dev.streamcast.forecaster.state.EntityPages;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The forecaster's one processor: each feature vector becomes a pending input in its entity's
 * state (one store per served slot), and pending inputs are stepped in batches (full, or after
 * the longest wait) through the slot's model, whose forecasts go to the slot's topic.
 *
 * <p>Refused vectors (undecodable, bad key, unknown spec, a spec the model's features are not
 * in, an input the model fails on or answers with NaN, an unexpected failure) go to
 * {@code forecaster-dlq} with the reason and their position; the stream goes on. A vector whose
 * spec is not known yet waits for it ({@link HeldVectors}) up to {@code forecaster.faults.unknown-spec-wait}.
 */
public final class ForecastProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    private static final Logger LOG = Logger.getLogger(ForecastProcessor.class);

    public static final String DLQ_CHILD = "dlq";

    private final ForecasterSettings settings;
    private final List<ModelSlot> slots;
    private final ForecasterMetrics metrics;
    private final Codec<FeatureVector> vectors;
    private final String specStoreName;
    private final List<String> stateStoreNames;
    private final String heldStoreName;
    private ProcessorContext<byte[], byte[]> context;
    private DeadLetters deadLetters;
    private HeldVectors held;
    private EntityPages pages;
    private RecentActuals actuals;
    private KeyValueStore<String, byte[]> specs;
    private final List<SlotStepper> steppers = new ArrayList<>();
    private long lastMismatchLog;
    private final Map<String, FeatureSpec> decodedSpecs = new HashMap<>();
    private static final int MAX_DECODED_SPECS = 64;

    public ForecastProcessor(ForecasterSettings settings, List<ModelSlot> slots, ForecasterMetrics metrics, String specStoreName,
                             List<String> stateStoreNames, String heldStoreName) {
        this.settings = settings;
        this.slots = slots;
        this.metrics = metrics;
        this.vectors = Codecs.featureVectors(settings.featuresEncoding());
        this.specStoreName = specStoreName;
        this.stateStoreNames = stateStoreNames;
        this.heldStoreName = heldStoreName;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        // Kafka Streams initialises this same instance again when it resumes a task it suspended (or revives a
        // corrupted one): the steppers of the last init are closed, and serving starts from the stores as they are
        steppers.clear();
        this.context = context;
        this.specs = context.getStateStore(specStoreName);
        this.deadLetters = new DeadLetters(context, metrics, vectors);
        this.held = new HeldVectors(context.getStateStore(heldStoreName));
        metrics.held(held.count());
        this.pages = context.getStateStore(EntityPages.STORE);
        if (settings.pageActualsKept() > 0) {
            this.actuals = new RecentActuals(RecentActuals.servedTargets(slots), settings.pageActualsKept());
        }
        for (int i = 0; i < slots.size(); i++) {
            KeyValueStore<String, byte[]> store = context.getStateStore(stateStoreNames.get(i));
            steppers.add(new SlotStepper(slots.get(i), i, store, settings, metrics, context, this::spec, deadLetters, pages));
        }
        context.schedule(settings.maxWait(), PunctuationType.WALL_CLOCK_TIME, now -> steppers.forEach(SlotStepper::flush));
        context.schedule(settings.ttlScanInterval(), PunctuationType.STREAM_TIME, this::expire);
        if (!settings.unknownSpecWait().isZero()) {
            long every = Math.max(50, Math.min(1_000, settings.unknownSpecWait().toMillis() / 4));
            context.schedule(Duration.ofMillis(every), PunctuationType.WALL_CLOCK_TIME, this::retryHeld);
        }
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        metrics.recordIn();
        try {
            Decoded<String> key = EntityKey.decode(record.key());
            if (!key.isOk()) {
                deadLetters.refuse(record, DeadLetter.badKey(key.error()));
                return;
            }
            String entity = key.value();
            InputOrigin origin = deadLetters.origin(record);
            if (held.holds(entity)) { // behind its entity's held vectors, in order
                hold(entity, origin, context.currentSystemTimeMs());
                return;
            }
            handle(entity, origin, 0);
        } catch (RuntimeException e) {
            SlotStepper.rethrowStreamsFailure(e);
            LOG.errorf(e, "failed to process a feature vector; it goes to forecaster-dlq as %s and the stream goes on",
                    DeadLetterReason.PROCESSING_ERROR);
            deadLetters.refuse(record, DeadLetter.of(DeadLetterReason.PROCESSING_ERROR, e.toString()));
        }
    }

    /**
     * Decodes and checks one vector of {@code entity} and hands it to every slot; a vector whose spec
     * is not known yet is held (false) unless it has waited since {@code heldAt} for longer than
     * {@code forecaster.faults.unknown-spec-wait} (0: not held before), then it is refused.
     */
    private boolean handle(String entity, InputOrigin origin, long heldAt) {
        Decoded<FeatureVector> decoded = vectors.decode(origin.value());
        if (!decoded.isOk()) { // MALFORMED whatever the error's kind: the code this topic's consumers know
            deadLetters.refuse(origin, DeadLetter.of(DeadLetterReason.MALFORMED, decoded.error().describe()));
            return true;
        }
        FeatureVector vector = decoded.value();
        FeatureSpec spec = spec(vector.specId());
        if (spec == null) {
            long now = context.currentSystemTimeMs(); // the wall clock, as Kafka Streams (and its test driver) keeps it
            long since = heldAt == 0 ? now : heldAt;
            if (now - since < settings.unknownSpecWait().toMillis()) {
                if (heldAt == 0) {
                    hold(entity, origin, now);
                }
                return false;
            }
            deadLetters.refuse(origin, DeadLetter.of(DeadLetterReason.UNKNOWN_SPEC, "spec " + vector.specId()
                    + " is not on feature-specs" + (heldAt == 0 ? "" : " after waiting " + settings.unknownSpecWait()
                    + " (forecaster.faults.unknown-spec-wait)") + ": its features have no names"));
            return true;
        }
        if (vector.size() != spec.size()) {
            deadLetters.refuse(origin, DeadLetter.of(DeadLetterReason.SPEC_MISMATCH, vector.size() + " values but spec " + spec.id()
                    + " names " + spec.size()));
            return true;
        }
        for (SlotStepper stepper : steppers) {
            String mismatch = stepper.mismatch(spec);
            if (mismatch != null) {
                long now = System.currentTimeMillis();
                if (now - lastMismatchLog > 10_000) {
                    lastMismatchLog = now;
                    LOG.errorf("refusing features of spec %s: %s", spec.id(), mismatch);
                }
                deadLetters.refuse(origin, DeadLetter.of(DeadLetterReason.SPEC_MISMATCH, mismatch));
                return true;
            }
        }
        // the entity's page, found with its served state: the actuals' row now, each slot's forecast when its batch is stepped
        EntityPages.Page page = steppers.get(0).page(entity, pages);
        if (actuals != null) {
            actuals.record(page, vector, spec);
        }
        for (SlotStepper stepper : steppers) {
            stepper.accept(entity, vector, spec, origin, page);
        }
        return true;
    }

    /** The TTL: each slot drops its entities without input for the TTL, and an entity the served slot drops leaves the page. */
    private void expire(long streamTime) {
        for (int i = 0; i < steppers.size(); i++) {
            List<String> expired = steppers.get(i).expire(streamTime);
            if (i == 0) {
                expired.forEach(pages::remove);
            }
        }
    }

    private void hold(String entity, InputOrigin origin, long now) {
        held.hold(entity, origin, now);
        metrics.held(1);
    }

    /** Hands held vectors on, per entity in order, once their spec is known or their wait is over. */
    private void retryHeld(long now) {
        if (held.isEmpty()) {
            return;
        }
        for (String entity : held.entities()) {
            List<HeldVectors.Held> waiting = held.take(entity);
            metrics.held(-waiting.size());
            for (int i = 0; i < waiting.size(); i++) {
                HeldVectors.Held h = waiting.get(i);
                boolean done;
                try {
                    done = handle(entity, h.origin(), h.heldAt());
                } catch (RuntimeException e) {
                    SlotStepper.rethrowStreamsFailure(e);
                    deadLetters.refuse(h.origin(), DeadLetter.of(DeadLetterReason.PROCESSING_ERROR, e.toString()));
                    done = true;
                }
                if (!done) {
                    List<HeldVectors.Held> rest = waiting.subList(i, waiting.size());
                    held.putBack(entity, rest);
                    metrics.held(rest.size());
                    break;
                }
            }
        }
    }

    /**
     * The spec of that id, decoded once: an id is the hash of the spec's content, so the bytes
     * stored under it never change meaning (decoding them per vector cost about a tenth of the
     * forecaster's CPU under load). Unknown ids are looked up again, as the spec may come later.
     */
    private FeatureSpec spec(String id) {
        FeatureSpec known = decodedSpecs.get(id);
        if (known != null) {
            return known;
        }
        byte[] bytes = specs.get(id);
        if (bytes == null) {
            return null;
        }
        Decoded<FeatureSpec> spec = Codecs.FEATURE_SPEC.decode(bytes);
        if (!spec.isOk()) {
            return null;
        }
        if (decodedSpecs.size() >= MAX_DECODED_SPECS) {
            decodedSpecs.clear();
        }
        decodedSpecs.put(id, spec.value());
        return spec.value();
    }

    @Override
    public void close() {
        // pending inputs and held vectors stay in the stores; the next owner of this task takes them on
        metrics.held(-held.count());
        steppers.forEach(SlotStepper::close);
    }
}
