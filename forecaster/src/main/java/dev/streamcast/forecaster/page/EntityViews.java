package dev.streamcast.forecaster.page;

import dev.streamcast.contracts.json.Codec;
import dev.streamcast.contracts.records.Forecast;
import dev.streamcast.contracts.state.UnreadableStateException;
import dev.streamcast.forecaster.evaluation.OnlineEvaluation;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.model.ModelSlot;
import dev.streamcast.forecaster.model.ServedModel;
import dev.streamcast.forecaster.serving.ForecastTopology;
import dev.streamcast.forecaster.serving.RecentActuals;
import dev.streamcast.forecaster.state.EntityPages;
import dev.streamcast.forecaster.state.EntityState;
import dev.streamcast.forecaster.state.EntityStateFormat;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the page shows of one entity, read from this instance's own state stores (never from a
 * buffer of its own): per slot, the recent actuals of each target ({@link RecentActuals}, or the
 * entity's remembered inputs when the page keeps none), marked where they were imputed, the latest forecast with its quantiles, the earlier forecasts at the evaluated horizons
 * against the actuals, and the live error of the model per horizon. Runs on the HTTP worker
 * threads; the stores are read through Kafka Streams' interactive queries, never on a stream thread.
 */
final class EntityViews {

    /** The most actuals sent per target: a chart's worth, bounded whatever the history holds. */
    static final int ACTUALS = 120;

    private final KafkaStreams streams;
    private final List<ModelSlot> slots;
    private final List<String> evaluationHorizons;
    private final Codec<Forecast> forecasts;
    private final ForecasterMetrics metrics;

    EntityViews(KafkaStreams streams, List<ModelSlot> slots, List<String> evaluationHorizons, Codec<Forecast> forecasts,
                ForecasterMetrics metrics) {
        this.streams = streams;
        this.slots = slots;
        this.evaluationHorizons = evaluationHorizons;
        this.forecasts = forecasts;
        this.metrics = metrics;
    }

    /** The store of the served slot's entity state: the one whose keys are the entities. */
    String entityStore() {
        return ForecastTopology.stateStore(slots.get(0));
    }

    private ReadOnlyKeyValueStore<String, byte[]> store(String name) {
        return streams.store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.<String, byte[]>keyValueStore()));
    }

    /** Entities held here whose id contains {@code query} (case-insensitive), in id order, at most {@code limit}; and how many match. */
    Page search(String query, int limit) {
        String q = query == null ? "" : query.toLowerCase(java.util.Locale.ROOT);
        List<String> ids = new ArrayList<>();
        int total = 0;
        try (KeyValueIterator<String, byte[]> all = store(entityStore()).all()) {
            while (all.hasNext()) {
                String id = all.next().key;
                if (id.toLowerCase(java.util.Locale.ROOT).contains(q)) {
                    total++;
                    ids.add(id);
                }
            }
        }
        ids.sort(null);
        return new Page(ids.subList(0, Math.min(limit, ids.size())), total);
    }

    record Page(List<String> entities, int total) {
    }

    /** The view of {@code entity}, or null when no slot here holds it. */
    Map<String, Object> view(String entity, String instance) {
        List<Map<String, Object>> bySlot = new ArrayList<>();
        boolean known = false;
        EntityPages.Page page = streams.store(StoreQueryParameters.fromNameAndType(EntityPages.STORE, EntityPages.QUERYABLE))
                .get(entity);
        RecentActuals.Rows rows = page == null ? null : RecentActuals.decode(page); // null too when the page keeps none
        for (int i = 0; i < slots.size(); i++) {
            ModelSlot slot = slots.get(i);
            byte[] bytes = store(ForecastTopology.stateStore(slot)).get(entity);
            known |= bytes != null;
            bySlot.add(slotView(slot, bytes, page == null ? null : page.latest(i), rows));
        }
        if (!known) {
            return null;
        }
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("entity", entity);
        view.put("instance", instance);
        view.put("slots", bySlot);
        return view;
    }

    private Map<String, Object> slotView(ModelSlot slot, byte[] stateBytes, byte[] latestBytes, RecentActuals.Rows recent) {
        ServedModel model = slot.current();
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("slot", slot.role());
        v.put("alias", slot.alias());
        v.put("model", model == null ? null : model.ref());
        v.put("servingSince", slot.servingSince());
        if (model == null) {
            v.put("note", slot.problem());
            return v;
        }
        List<String> targets = model.manifest().targets();
        long step = model.manifest().featureSpec().stepMillis();
        v.put("targets", targets);
        v.put("stepMillis", step);
        v.put("quantileLevels", model.manifest().quantiles());
        v.put("actuals", recent == null ? List.of() : actuals(recent, targets));
        v.put("previous", List.of());
        if (stateBytes != null) {
            try {
                EntityState state = EntityStateFormat.decode(stateBytes);
                if (recent == null) {
                    v.put("actuals", actuals(model, state, targets, step));
                }
                v.put("previous", previous(model, state, targets, step));
            } catch (UnreadableStateException e) {
                v.put("note", "state unreadable: " + e.getMessage());
            }
        }
        v.put("forecast", latestBytes == null ? null : forecast(latestBytes));
        v.put("liveError", liveError(slot.role(), model.ref()));
        return v;
    }

    /**
     * The targets' recent values kept for the page ({@link RecentActuals}), each point with the targets whose value
     * was imputed, not observed, in {@code imputed}.
     */
    private static List<Map<String, Object>> actuals(RecentActuals.Rows rows, List<String> targets) {
        int[] columns = targets.stream().mapToInt(rows.targets()::indexOf).toArray();
        List<Map<String, Object>> points = new ArrayList<>(rows.size());
        for (int r = 0; r < rows.size(); r++) {
            Map<String, Object> values = new LinkedHashMap<>();
            List<String> imputed = new ArrayList<>();
            for (int k = 0; k < targets.size(); k++) {
                int c = columns[k];
                if (c < 0 || Float.isNaN(rows.values()[r][c])) {
                    continue; // kept before this model's targets were known, or not in the vector's spec
                }
                values.put(targets.get(k), rows.values()[r][c]);
                if (!rows.observed()[r][c]) {
                    imputed.add(targets.get(k));
                }
            }
            points.add(Map.of("t", rows.windowStarts()[r], "values", values, "imputed", imputed));
        }
        return points;
    }

    /**
     * The target columns of the remembered inputs, at their windows' starts (inputs are one step apart), when the
     * page keeps no actuals of its own ({@code forecaster.page.actuals-kept=0}): as many as the model's warm-up needs,
     * with no record of imputation.
     */
    private static List<Map<String, Object>> actuals(ServedModel model, EntityState state, List<String> targets, long step) {
        if (!state.historySpec().equals(model.manifest().featureSpec().id())) {
            return List.of(); // remembered under another spec (before this model): not the model's features
        }
        List<float[]> rows = state.recentInputs(ACTUALS);
        long last = state.lastRememberedWindowStart(); // a pending input is not in the history yet
        List<Map<String, Object>> points = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Object> values = new LinkedHashMap<>();
            for (int k = 0; k < targets.size(); k++) {
                values.put(targets.get(k), rows.get(i)[model.targetInput(k)]);
            }
            points.add(Map.of("t", last - (long) (rows.size() - 1 - i) * step, "values", values));
        }
        return points;
    }

    /** The remembered forecasts by evaluated horizon, each point at the time it forecast. */
    private List<Map<String, Object>> previous(ServedModel model, EntityState state, List<String> targets, long step) {
        int[] horizons = OnlineEvaluation.evaluated(evaluationHorizons, model.horizon());
        if (state.evalWidth() != horizons.length * targets.size() || !model.ref().equals(state.modelRef())) {
            return List.of();
        }
        List<Map<String, Object>> byHorizon = new ArrayList<>();
        for (int j = 0; j < horizons.length; j++) {
            List<Map<String, Object>> points = new ArrayList<>();
            for (EntityState.Remembered r : state.rememberedForecasts()) {
                Map<String, Object> values = new LinkedHashMap<>();
                for (int k = 0; k < targets.size(); k++) {
                    values.put(targets.get(k), r.values()[j * targets.size() + k]);
                }
                points.add(Map.of("t", r.origin() + horizons[j] * step, "values", values));
            }
            byHorizon.add(Map.of("h", horizons[j], "points", points));
        }
        return byHorizon;
    }

    private Map<String, Object> forecast(byte[] bytes) {
        Forecast f = forecasts.decode(bytes).value();
        List<Map<String, Object>> steps = new ArrayList<>(f.steps().size());
        for (Forecast.Step s : f.steps()) {
            steps.add(Map.of("h", s.h(), "t", s.ts(), "point", s.point(), "quantiles", s.quantiles()));
        }
        return Map.of("origin", f.origin(), "model", f.model(), "steps", steps);
    }

    /** Mean absolute error of {@code model} per evaluated horizon and target, from the online evaluation's meters. */
    List<Map<String, Object>> liveError(String slot, String model) {
        Map<String, Map<String, Object>> rows = new TreeMap<>();
        for (ForecasterMetrics.LiveError e : metrics.liveErrors()) {
            if (!e.slot().equals(slot) || !e.model().equals(model)) {
                continue;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("h", e.horizon());
            row.put("target", e.target());
            row.put("count", e.count());
            row.put("mae", e.mae());
            rows.put(String.format("%06d|%s", e.horizon(), e.target()), row);
        }
        return new ArrayList<>(rows.values());
    }
}
