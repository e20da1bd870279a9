package dev.streamcast.contracts.records;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * One multi-horizon forecast of one entity on topic {@code forecasts}, in original units.
 * {@code origin} is the start of the last input window; step {@code h} (1..H) is for the window
 * starting at {@code steps[h-1].ts} = origin + h × the step. {@code model} is {@code name@version}. When the model has
 * quantiles, {@code quantileLevels} lists them (ascending, in (0, 1)) and each step carries,
 * per target, one value per level.
 *
 * <pre>{"origin": 1467334800000, "model": "etth1@3", "specId": "3f9a0c1d2e4b5a69",
 *  "targets": ["OT"], "quantileLevels": [0.1, 0.9],
 *  "steps": [{"h": 1, "ts": 1467338400000, "point": {"OT": 30.2}, "quantiles": {"OT": [29.1, 31.0]}}]}</pre>
 */
public record Forecast(long origin, String model, String specId, List<String> targets, double[] quantileLevels,
                       List<Step> steps) {

    public record Step(int h, long ts, Map<String, Double> point, Map<String, double[]> quantiles) {
        public Step {
            point = Map.copyOf(point);
            quantiles = Map.copyOf(quantiles);
        }
    }

    public Forecast {
        targets = List.copyOf(targets);
        steps = List.copyOf(steps);
        quantileLevels = quantileLevels.clone();
        if (!ModelNames.isVersionRef(model)) {
            throw new IllegalArgumentException("model must be name@version, got " + model);
        }
        if (targets.isEmpty() || steps.isEmpty()) {
            throw new IllegalArgumentException("a forecast needs at least one target and one step");
        }
    }

    public int horizon() {
        return steps.size();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Forecast f) || origin != f.origin || !model.equals(f.model) || !specId.equals(f.specId)
                || !targets.equals(f.targets) || !Arrays.equals(quantileLevels, f.quantileLevels)
                || steps.size() != f.steps.size()) {
            return false;
        }
        for (int i = 0; i < steps.size(); i++) {
            Step a = steps.get(i);
            Step b = f.steps.get(i);
            if (a.h != b.h || a.ts != b.ts || !a.point.equals(b.point) || !a.quantiles.keySet().equals(b.quantiles.keySet())) {
                return false;
            }
            for (String target : a.quantiles.keySet()) {
                if (!Arrays.equals(a.quantiles.get(target), b.quantiles.get(target))) {
                    return false;
                }
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(origin) + model.hashCode();
    }
}
