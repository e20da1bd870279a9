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
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.model.ModelSlot;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

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
 * in) go to {@code forecaster-dlq} with the reason and their position; the stream goes on.
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
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<String, byte[]> specs;
    private final List<SlotStepper> steppers = new ArrayList<>();
    private long lastMismatchLog;
    private final Map<String, FeatureSpec> decodedSpecs = new HashMap<>();
    private static final int MAX_DECODED_SPECS = 64;

    public ForecastProcessor(ForecasterSettings settings, List<ModelSlot> slots, ForecasterMetrics metrics, String specStoreName,
                             List<String> stateStoreNames) {
        this.settings = settings;
        this.slots = slots;
        this.metrics = metrics;
        this.vectors = Codecs.featureVectors(settings.featuresEncoding());
        this.specStoreName = specStoreName;
        this.stateStoreNames = stateStoreNames;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.specs = context.getStateStore(specStoreName);
        for (int i = 0; i < slots.size(); i++) {
            KeyValueStore<String, byte[]> store = context.getStateStore(stateStoreNames.get(i));
            steppers.add(new SlotStepper(slots.get(i), store, settings, metrics, context, this::spec));
        }
        context.schedule(settings.maxWait(), PunctuationType.WALL_CLOCK_TIME, now -> steppers.forEach(SlotStepper::flush));
        context.schedule(settings.ttlScanInterval(), PunctuationType.STREAM_TIME,
                streamTime -> steppers.forEach(s -> s.expire(streamTime)));
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        metrics.recordIn();
        Decoded<String> key = EntityKey.decode(record.key());
        if (!key.isOk()) {
            refuse(record, DeadLetter.badKey(key.error()));
            return;
        }
        Decoded<FeatureVector> decoded = vectors.decode(record.value());
        if (!decoded.isOk()) { // MALFORMED whatever the error's kind: the code this topic's consumers know
            refuse(record, DeadLetter.of(DeadLetterReason.MALFORMED, decoded.error().describe()));
            return;
        }
        FeatureVector vector = decoded.value();
        FeatureSpec spec = spec(vector.specId());
        if (spec == null) {
            refuse(record, DeadLetter.of(DeadLetterReason.UNKNOWN_SPEC, "spec " + vector.specId()
                    + " is not on feature-specs: its features have no names"));
            return;
        }
        if (vector.size() != spec.size()) {
            refuse(record, DeadLetter.of(DeadLetterReason.SPEC_MISMATCH, vector.size() + " values but spec " + spec.id()
                    + " names " + spec.size()));
            return;
        }
        for (SlotStepper stepper : steppers) {
            String mismatch = stepper.mismatch(spec);
            if (mismatch != null) {
                long now = System.currentTimeMillis();
                if (now - lastMismatchLog > 10_000) {
                    lastMismatchLog = now;
                    LOG.errorf("refusing features of spec %s: %s", spec.id(), mismatch);
                }
                refuse(record, DeadLetter.of(DeadLetterReason.SPEC_MISMATCH, mismatch));
                return;
            }
        }
        String entity = key.value();
        for (SlotStepper stepper : steppers) {
            stepper.accept(entity, vector, spec);
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

    private void refuse(Record<byte[], byte[]> record, DeadLetter letter) {
        metrics.refused(letter.reason());
        RecordMetadata meta = context.recordMetadata().orElse(null);
        context.forward(record.withHeaders(letter.headers(record.headers(), meta == null ? "" : meta.topic(),
                meta == null ? -1 : meta.partition(), meta == null ? -1 : meta.offset())), DLQ_CHILD);
    }

    @Override
    public void close() {
        // pending inputs stay in the store; the next owner of this task steps them
    }
}
