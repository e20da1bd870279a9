package dev.streamcast.forecaster.serving;

import ai.onnxruntime.OrtException;
import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.records.Forecast;
import dev.streamcast.forecaster.ForecasterSettings;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.model.ModelSlot;
import dev.streamcast.forecaster.model.ServedModel;
import dev.streamcast.forecaster.state.EntityState;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * One slot's serving inside one stream task: its entity store, the entities whose input waits
 * for the next batch, and the batched step through the slot's model.
 *
 * <p>An entity's input joins the batch by becoming its state's pending input in the store, so a
 * commit never covers an input that exists only in memory. A second input for an entity that is
 * still pending steps the batch first, which keeps every entity's inputs in order.
 */
final class SlotStepper {

    private static final Logger LOG = Logger.getLogger(SlotStepper.class);

    private final ModelSlot slot;
    private final KeyValueStore<String, byte[]> store;
    private final ForecasterSettings settings;
    private final ForecasterMetrics metrics;
    private final ProcessorContext<byte[], byte[]> context;
    private final Function<String, FeatureSpec> specs;
    private final String sink;
    private final Map<String, EntityState> pending = new LinkedHashMap<>();
    private ServedModel.StepBuffers buffers;
    private ServedModel.StepBuffers single;
    private ServedModel projected;
    private final Map<String, int[]> projections = new HashMap<>();

    SlotStepper(ModelSlot slot, KeyValueStore<String, byte[]> store, ForecasterSettings settings, ForecasterMetrics metrics,
                ProcessorContext<byte[], byte[]> context, Function<String, FeatureSpec> specs) {
        this.slot = slot;
        this.store = store;
        this.settings = settings;
        this.metrics = metrics;
        this.context = context;
        this.specs = specs;
        this.sink = ForecastTopology.sinkName(slot);
        long entities = 0;
        long bytes = 0;
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> kv = all.next();
                entities++;
                bytes += kv.value.length;
                EntityState state = EntityState.decode(kv.value);
                if (state.pending != null) { // waiting when the previous owner of this task stopped
                    state.storedBytes = kv.value.length;
                    pending.put(kv.key, state);
                }
            }
        }
        metrics.entities(slot.role(), entities);
        metrics.stateBytes(slot.role(), bytes);
    }

    /** Why the slot's model cannot read features of {@code spec}, or null when it can (or there is no model). */
    String mismatch(FeatureSpec spec) {
        ServedModel model = slot.current();
        return model == null ? null : FeatureProjection.problem(model, spec);
    }

    void accept(String entity, FeatureVector vector, FeatureSpec spec) {
        ServedModel model = slot.acquire();
        EntityState state = load(entity);
        long latest = state.pending != null ? state.pending.windowStart() : state.lastWindowStart;
        if (vector.windowStart() <= latest) {
            metrics.stale(slot.role());
            return; // a replayed or out-of-order vector: this entity has already moved past it
        }
        if (state.pending != null) {
            flush();
            state = load(entity);
        }
        if (model != null) {
            evaluate(model, state, vector, spec);
        }
        float[] values = new float[vector.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) vector.values()[i];
        }
        if (model == null) { // nothing to step with: keep the history, so the first model can warm up on it
            state.remember(spec.id(), values, settings.warmupMaxSteps());
            state.lastWindowStart = vector.windowStart();
            state.lastInput = vector.windowEnd();
            put(entity, state);
            return;
        }
        state.pending = new EntityState.Pending(spec.id(), vector.windowStart(), vector.windowEnd(), System.currentTimeMillis(),
                values);
        state.lastInput = vector.windowEnd();
        put(entity, state);
        pending.put(entity, state);
        if (pending.size() >= settings.maxBatch()) {
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
        List<Map.Entry<String, EntityState>> all = new ArrayList<>(pending.entrySet());
        pending.clear();
        for (int from = 0; from < all.size(); from += settings.maxBatch()) {
            stepPending(model, all.subList(from, Math.min(all.size(), from + settings.maxBatch())));
        }
    }

    private void stepPending(ServedModel model, List<Map.Entry<String, EntityState>> entries) {
        List<String> keys = new ArrayList<>();
        List<EntityState> states = new ArrayList<>();
        List<float[]> inputs = new ArrayList<>();
        List<int[]> maps = new ArrayList<>();
        for (Map.Entry<String, EntityState> e : entries) {
            EntityState state = e.getValue();
            if (!model.ref().equals(state.modelRef)) {
                migrate(model, state);
            }
            int[] projection = projection(model, state.pending.specId());
            if (projection == null) { // the model changed to one that cannot read this input: drop it, loudly
                metrics.refused("SPEC_MISMATCH");
                LOG.errorf("%s: dropping the pending input of %s: %s", slot.role(), e.getKey(),
                        FeatureProjection.problem(model, specs.apply(state.pending.specId())));
                state.pending = null;
                put(e.getKey(), state);
                continue;
            }
            keys.add(e.getKey());
            states.add(state);
            inputs.add(state.pending.values());
            maps.add(projection);
        }
        if (states.isEmpty()) {
            return;
        }
        if (buffers == null || buffers.model() != model) {
            buffers = model.newBuffers(settings.maxBatch());
        }
        long start = System.nanoTime();
        float[][] forecasts = step(model, buffers, states, inputs, maps);
        metrics.batch(slot.role(), states.size(), System.nanoTime() - start);
        long now = System.currentTimeMillis();
        for (int i = 0; i < states.size(); i++) {
            EntityState state = states.get(i);
            EntityState.Pending input = state.pending;
            state.steps++;
            state.lastWindowStart = input.windowStart();
            state.remember(input.specId(), input.values(), historyCapacity(model));
            state.pending = null;
            if (state.steps >= model.manifest().warmUpSteps() || settings.emitBeforeWarmUp()) {
                emit(model, keys.get(i), state, input, forecasts[i], now);
            }
            put(keys.get(i), state);
        }
    }

    /**
     * One batched step: raw inputs projected to the model's features and normalised into x, every
     * entity's state tensors into the state inputs, then the updates back into each state.
     * Returns each entity's normalised forecast [H, T(, Q)].
     */
    private float[][] step(ServedModel model, ServedModel.StepBuffers buf, List<EntityState> states, List<float[]> inputs,
                           List<int[]> maps) {
        BundleManifest m = model.manifest();
        int f = model.features();
        FloatBuffer x = buf.input(BundleManifest.INPUT);
        for (int i = 0; i < states.size(); i++) {
            float[] raw = inputs.get(i);
            int[] map = maps.get(i);
            for (int c = 0; c < f; c++) {
                x.put((float) ((raw[map[c]] - m.mean()[c]) / m.std()[c]));
            }
        }
        int offset = 0;
        List<int[]> layout = new ArrayList<>(); // per tensor: offset, entry floats, entries
        for (StateTensor t : m.state()) {
            int entry = (int) t.entryElements();
            int entries = t.kind() == StateTensor.Kind.WINDOW ? t.length() : 1;
            FloatBuffer in = buf.input(t.name());
            for (EntityState state : states) {
                in.put(state.tensors, offset, entry * entries);
            }
            layout.add(new int[]{offset, entry, entries});
            offset += entry * entries;
        }
        try {
            model.step(buf, states.size());
        } catch (OrtException e) {
            throw new IllegalStateException(slot.role() + ": ONNX Runtime failed a step of " + model.ref() + " for "
                    + states.size() + " entities: " + e.getMessage(), e);
        }
        for (int k = 0; k < m.state().size(); k++) {
            int[] l = layout.get(k);
            FloatBuffer out = buf.output(m.state().get(k).outputName());
            for (EntityState state : states) {
                if (l[2] > 1) { // window ring: drop the oldest entry, append the new one
                    System.arraycopy(state.tensors, l[0] + l[1], state.tensors, l[0], (l[2] - 1) * l[1]);
                }
                out.get(state.tensors, l[0] + (l[2] - 1) * l[1], l[1]);
            }
        }
        FloatBuffer yhat = buf.output(BundleManifest.OUTPUT);
        float[][] forecasts = new float[states.size()][model.outputFloats()];
        for (float[] forecast : forecasts) {
            yhat.get(forecast);
        }
        return forecasts;
    }

    /**
     * The entity's state for a model it has not stepped with: zero state, then (policy replay)
     * the model run over the entity's remembered inputs, up to its warm-up length, so its next
     * forecast is the one the model would give had it always served this entity.
     */
    private void migrate(ServedModel model, EntityState state) {
        state.modelRef = model.ref();
        state.tensors = new float[model.stateFloats()];
        state.steps = 0;
        state.evalWidth = 0;
        state.evalOrigins = new long[0];
        state.evalValues = new float[0];
        if (!settings.replayOnSwap() || state.historyCount == 0) {
            return;
        }
        int[] map = projection(model, state.historySpec);
        if (map == null) {
            return;
        }
        if (single == null || single.model() != model) {
            single = model.newBuffers(1);
        }
        float[] recent = state.recent(historyCapacity(model));
        int rows = recent.length / state.historyFeatures;
        for (int r = 0; r < rows; r++) {
            step(model, single, List.of(state), List.of(Arrays.copyOfRange(recent, r * state.historyFeatures,
                    (r + 1) * state.historyFeatures)), List.of(map));
            state.steps++;
        }
    }

    private void emit(ServedModel model, String entity, EntityState state, EntityState.Pending input, float[] y, long now) {
        BundleManifest m = model.manifest();
        int h = model.horizon();
        int t = model.targets();
        int q = model.quantiles();
        int median = q == 0 ? 0 : FeatureProjection.medianIndex(m.quantiles());
        long stepMillis = m.featureSpec().stepMillis();
        List<Forecast.Step> steps = new ArrayList<>(h);
        for (int s = 0; s < h; s++) {
            Map<String, Double> point = new LinkedHashMap<>();
            Map<String, double[]> quantiles = new LinkedHashMap<>();
            for (int k = 0; k < t; k++) {
                int c = model.targetInput(k);
                double mean = m.mean()[c];
                double std = m.std()[c];
                int base = (s * t + k) * Math.max(1, q);
                point.put(m.targets().get(k), y[base + median] * std + mean);
                if (q > 0) {
                    double[] levels = new double[q];
                    for (int l = 0; l < q; l++) {
                        levels[l] = y[base + l] * std + mean;
                    }
                    quantiles.put(m.targets().get(k), levels);
                }
            }
            steps.add(new Forecast.Step(s + 1, input.windowStart() + (s + 1) * stepMillis, point, quantiles));
        }
        Forecast forecast = new Forecast(input.windowStart(), model.ref(), input.specId(), m.targets(), m.quantiles(), steps);
        context.forward(new Record<>(entity.getBytes(StandardCharsets.UTF_8), Codecs.FORECAST.encode(forecast),
                input.windowEnd()), sink);
        metrics.forecastOut(slot.role());
        metrics.endToEnd(slot.role(), now - input.windowEnd());
        int[] horizons = evaluated(model);
        if (horizons.length > 0) {
            float[] remembered = new float[horizons.length * t];
            for (int j = 0; j < horizons.length; j++) {
                for (int k = 0; k < t; k++) {
                    remembered[j * t + k] = steps.get(horizons[j] - 1).point().get(m.targets().get(k)).floatValue();
                }
            }
            state.rememberForecast(input.windowStart(), remembered, horizons[horizons.length - 1]);
        }
    }

    /** Scores the entity's earlier forecasts whose target time is this vector's window. */
    private void evaluate(ServedModel model, EntityState state, FeatureVector vector, FeatureSpec spec) {
        if (state.evalWidth == 0 || !model.ref().equals(state.modelRef)) {
            return;
        }
        int[] map = projection(model, spec.id());
        int[] horizons = evaluated(model);
        if (map == null || state.evalWidth != horizons.length * model.targets()) {
            return;
        }
        long stepMillis = model.manifest().featureSpec().stepMillis();
        for (int j = 0; j < horizons.length; j++) {
            float[] made = state.forecastAt(vector.windowStart() - horizons[j] * stepMillis);
            if (made == null) {
                continue;
            }
            for (int k = 0; k < model.targets(); k++) {
                double actual = vector.values()[map[model.targetInput(k)]];
                metrics.error(slot.role(), model.ref(), horizons[j], model.manifest().targets().get(k),
                        actual - made[j * model.targets() + k]);
            }
        }
    }

    private int[] evaluated(ServedModel model) {
        TreeSet<Integer> horizons = new TreeSet<>();
        for (String h : settings.evaluationHorizons()) {
            int value = h.equalsIgnoreCase("H") ? model.horizon() : Integer.parseInt(h);
            if (value >= 1 && value <= model.horizon()) {
                horizons.add(value);
            }
        }
        return horizons.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Drops the state of entities whose last input's window ended before {@code cutoff} (stream time). */
    void expire(long cutoff) {
        List<String> expired = new ArrayList<>();
        long bytes = 0;
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> kv = all.next();
                if (EntityState.lastInput(kv.value) < cutoff) {
                    expired.add(kv.key);
                    bytes += kv.value.length;
                }
            }
        }
        for (String key : expired) {
            store.delete(key);
            pending.remove(key);
        }
        if (!expired.isEmpty()) {
            metrics.expired(slot.role(), expired.size());
            metrics.entities(slot.role(), -expired.size());
            metrics.stateBytes(slot.role(), -bytes);
        }
    }

    private int historyCapacity(ServedModel model) {
        return Math.max(1, Math.min(settings.warmupMaxSteps(), model.manifest().warmUpSteps()));
    }

    private int[] projection(ServedModel model, String specId) {
        if (projected != model) {
            projected = model;
            projections.clear();
        }
        return projections.computeIfAbsent(specId, id -> {
            FeatureSpec spec = specs.apply(id);
            return spec == null ? null : FeatureProjection.indices(model, spec);
        });
    }

    private EntityState load(String entity) {
        EntityState state = pending.get(entity);
        if (state != null) {
            return state;
        }
        byte[] bytes = store.get(entity);
        if (bytes == null) {
            return new EntityState();
        }
        state = EntityState.decode(bytes);
        state.storedBytes = bytes.length;
        return state;
    }

    private void put(String entity, EntityState state) {
        byte[] bytes = state.encode();
        if (state.storedBytes == 0) {
            metrics.entities(slot.role(), 1);
        }
        metrics.stateBytes(slot.role(), bytes.length - state.storedBytes);
        state.storedBytes = bytes.length;
        store.put(entity, bytes);
    }
}
