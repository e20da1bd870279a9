package dev.streamcast.contracts.records;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.HashSet;
import java.util.Set;

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
 *
 * <p>The values are held dense, as the model gives them: {@link #point(int, int)} and
 * {@link #quantile(int, int, int)} by step, target and level index, which is how the codecs write
 * and read them and how the forecaster builds one per step without a map per horizon step.
 * {@link #steps()} gives the same values by target name, built on first use.
 */
public final class Forecast {

    /** One horizon step by target name: {@code point} [T] and, with quantiles, {@code quantiles} [T][Q]. */
    public record Step(int h, long ts, Map<String, Double> point, Map<String, double[]> quantiles) {
        public Step {
            point = Map.copyOf(point);
            quantiles = Map.copyOf(quantiles);
        }
    }

    private final long origin;
    private final String model;
    private final String specId;
    private final List<String> targets;
    private final double[] quantileLevels;
    private final long[] ts;            // [H]
    private final double[] points;      // [H, T]
    private final double[] quantiles;   // [H, T, Q]
    private List<Step> steps;

    /** A forecast from its steps by target name; each step names every target, with one value per level when there are levels. */
    public Forecast(long origin, String model, String specId, List<String> targets, double[] quantileLevels, List<Step> steps) {
        this(origin, model, specId, List.copyOf(targets), quantileLevels.clone(), new long[steps.size()],
                new double[steps.size() * targets.size()], new double[steps.size() * targets.size() * quantileLevels.length]);
        int t = targets.size();
        int q = quantileLevels.length;
        Set<String> names = new HashSet<>(targets);
        for (int s = 0; s < steps.size(); s++) {
            Step step = steps.get(s);
            if (step.h() != s + 1) {
                throw new IllegalArgumentException("step " + s + " has h " + step.h() + ", expected " + (s + 1));
            }
            if (!step.point().keySet().equals(names)) {
                throw new IllegalArgumentException("step " + step.h() + " has points for " + step.point().keySet()
                        + ", expected exactly the targets " + targets);
            }
            if (q == 0 ? !step.quantiles().isEmpty() : !step.quantiles().keySet().equals(step.point().keySet())) {
                throw new IllegalArgumentException("step " + step.h() + " has quantiles for " + step.quantiles().keySet()
                        + ", expected " + (q == 0 ? "none (no quantile levels)" : "exactly the targets " + targets));
            }
            ts[s] = step.ts();
            for (int k = 0; k < t; k++) {
                String target = targets.get(k);
                points[s * t + k] = step.point().get(target);
                if (q > 0) {
                    double[] levels = step.quantiles().get(target);
                    if (levels.length != q) {
                        throw new IllegalArgumentException("step " + step.h() + " has " + levels.length + " quantiles for "
                                + target + ", expected one per level: " + q);
                    }
                    System.arraycopy(levels, 0, quantiles, (s * t + k) * q, q);
                }
            }
        }
    }

    private Forecast(long origin, String model, String specId, List<String> targets, double[] quantileLevels, long[] ts,
                     double[] points, double[] quantiles) {
        if (!ModelNames.isVersionRef(model)) {
            throw new IllegalArgumentException("model must be name@version, got " + model);
        }
        if (targets.isEmpty() || ts.length == 0) {
            throw new IllegalArgumentException("a forecast needs at least one target and one step");
        }
        if (points.length != ts.length * targets.size() || quantiles.length != points.length * quantileLevels.length) {
            throw new IllegalArgumentException("a forecast of " + ts.length + " steps, " + targets.size() + " targets and "
                    + quantileLevels.length + " quantile levels needs " + ts.length * targets.size() + " points and "
                    + ts.length * targets.size() * quantileLevels.length + " quantiles, got " + points.length + " and "
                    + quantiles.length);
        }
        this.origin = origin;
        this.model = model;
        this.specId = specId;
        this.targets = targets;
        this.quantileLevels = quantileLevels;
        this.ts = ts;
        this.points = points;
        this.quantiles = quantiles;
    }

    /**
     * A forecast from dense values: {@code ts} [H], {@code points} [H, T] and {@code quantiles}
     * [H, T, Q] (empty without levels). The arrays become the forecast's, not copied: the caller
     * does not change them afterwards.
     */
    public static Forecast of(long origin, String model, String specId, List<String> targets, double[] quantileLevels,
                              long[] ts, double[] points, double[] quantiles) {
        return new Forecast(origin, model, specId, List.copyOf(targets), quantileLevels, ts, points, quantiles);
    }

    public long origin() {
        return origin;
    }

    public String model() {
        return model;
    }

    public String specId() {
        return specId;
    }

    public List<String> targets() {
        return targets;
    }

    /** The quantile levels, ascending; empty without quantiles. Not a copy: read it, do not change it. */
    public double[] quantileLevels() {
        return quantileLevels;
    }

    public int horizon() {
        return ts.length;
    }

    /** The start of the window step {@code s} (0-based, so horizon step s + 1) forecasts. */
    public long ts(int s) {
        return ts[s];
    }

    /** The point value of target {@code k} at step {@code s} (both 0-based). */
    public double point(int s, int k) {
        return points[s * targets.size() + k];
    }

    /** The value of quantile level {@code l} of target {@code k} at step {@code s} (all 0-based). */
    public double quantile(int s, int k, int l) {
        return quantiles[(s * targets.size() + k) * quantileLevels.length + l];
    }

    /** The steps by target name, in order (h = 1..H). */
    public List<Step> steps() {
        List<Step> built = steps;
        if (built == null) {
            int t = targets.size();
            int q = quantileLevels.length;
            built = new ArrayList<>(ts.length);
            for (int s = 0; s < ts.length; s++) {
                Map<String, Double> point = new LinkedHashMap<>();
                Map<String, double[]> levels = new LinkedHashMap<>();
                for (int k = 0; k < t; k++) {
                    point.put(targets.get(k), points[s * t + k]);
                    if (q > 0) {
                        levels.put(targets.get(k), Arrays.copyOfRange(quantiles, (s * t + k) * q, (s * t + k + 1) * q));
                    }
                }
                built.add(new Step(s + 1, ts[s], point, levels));
            }
            built = List.copyOf(built);
            steps = built;
        }
        return built;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Forecast f && origin == f.origin && model.equals(f.model) && specId.equals(f.specId)
                && targets.equals(f.targets) && Arrays.equals(quantileLevels, f.quantileLevels) && Arrays.equals(ts, f.ts)
                && Arrays.equals(points, f.points) && Arrays.equals(quantiles, f.quantiles);
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(origin) + model.hashCode();
    }

    @Override
    public String toString() {
        return "Forecast[origin=" + origin + ", model=" + model + ", specId=" + specId + ", targets=" + targets
                + ", quantileLevels=" + Arrays.toString(quantileLevels) + ", steps=" + steps() + "]";
    }
}
