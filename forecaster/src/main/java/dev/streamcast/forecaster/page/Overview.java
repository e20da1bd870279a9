package dev.streamcast.forecaster.page;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The fleet overview from every instance's own: sums of entities, forecasts and refusals, and the
 * five worst live errors, each model's error at a horizon merged across the instances that measured
 * it (weighted by their counts).
 */
final class Overview {

    private Overview() {
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> combine(List<Map<String, Object>> instances, List<String> unreachable) {
        double entities = 0;
        double forecasts = 0;
        Map<String, Double> refused = new TreeMap<>();
        Map<String, Map<String, Object>> errors = new LinkedHashMap<>();
        Map<String, Map<String, Object>> models = new LinkedHashMap<>();
        for (Map<String, Object> o : instances) {
            for (Map<String, Object> slot : (List<Map<String, Object>>) o.get("slots")) {
                if ("served".equals(slot.get("slot"))) {
                    entities += ((Number) slot.get("entities")).doubleValue();
                    forecasts += ((Number) slot.get("forecasts")).doubleValue();
                }
                models.putIfAbsent((String) slot.get("slot"), slot);
            }
            ((Map<String, Number>) o.get("refused")).forEach((reason, n) -> refused.merge(reason, n.doubleValue(), Double::sum));
            for (Map<String, Object> e : (List<Map<String, Object>>) o.get("worstErrors")) {
                // one model's error at one horizon, from several instances: their mean weighted by their counts
                String key = e.get("slot") + "|" + e.get("model") + "|" + e.get("h") + "|" + e.get("target");
                errors.merge(key, new LinkedHashMap<>(e), (a, b) -> {
                    double na = ((Number) a.get("count")).doubleValue();
                    double nb = ((Number) b.get("count")).doubleValue();
                    a.put("mae", (((Number) a.get("mae")).doubleValue() * na + ((Number) b.get("mae")).doubleValue() * nb) / (na + nb));
                    a.put("count", na + nb);
                    return a;
                });
            }
        }
        List<Map<String, Object>> worst = new ArrayList<>(errors.values());
        worst.sort(Comparator.comparingDouble((Map<String, Object> r) -> ((Number) r.get("mae")).doubleValue()).reversed());
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("instances", instances.stream().map(o -> o.get("instance")).toList());
        all.put("unreachable", unreachable);
        all.put("entities", entities);
        all.put("forecasts", forecasts);
        all.put("refused", refused);
        all.put("worstErrors", worst.subList(0, Math.min(5, worst.size())));
        all.put("models", new ArrayList<>(models.values()));
        all.put("time", System.currentTimeMillis());
        return all;
    }
}
