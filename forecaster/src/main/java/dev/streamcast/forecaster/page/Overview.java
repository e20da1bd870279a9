package dev.streamcast.forecaster.page;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The fleet overview from every instance's own: sums of entities, forecasts and refusals, the worst errors of all. */
final class Overview {

    private Overview() {
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> combine(List<Map<String, Object>> instances, List<String> unreachable) {
        double entities = 0;
        double forecasts = 0;
        Map<String, Double> refused = new TreeMap<>();
        List<Map<String, Object>> errors = new ArrayList<>();
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
            errors.addAll((List<Map<String, Object>>) o.get("worstErrors"));
        }
        errors.sort(Comparator.comparingDouble((Map<String, Object> r) -> ((Number) r.get("mae")).doubleValue()).reversed());
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("instances", instances.stream().map(o -> o.get("instance")).toList());
        all.put("unreachable", unreachable);
        all.put("entities", entities);
        all.put("forecasts", forecasts);
        all.put("refused", refused);
        all.put("worstErrors", errors.subList(0, Math.min(5, errors.size())));
        all.put("models", new ArrayList<>(models.values()));
        all.put("time", System.currentTimeMillis());
        return all;
    }
}
