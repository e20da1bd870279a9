package dev.streamcast.forecaster.evaluation;

import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.records.Forecast;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.model.ServedModel;
import dev.streamcast.forecaster.state.EntityState;

import java.util.List;
import java.util.TreeSet;

/**
 * Scores a slot's forecasts once their actual arrives: each forecast remembers its point values at
 * the evaluated horizons ({@code forecaster.evaluation.horizons}, {@code H} for the model's last)
 * in the entity's state, and a vector for window {@code w} scores the forecasts made {@code h} steps
 * before {@code w} into {@code forecaster_abs_error} and {@code forecaster_squared_error}, in the
 * target's units. Only observed actuals are scored: a target imputed in {@code w} scores nothing.
 */
public final class OnlineEvaluation {

    private final String slot;
    private final List<String> horizonSettings;
    private final ForecasterMetrics metrics;
    private ServedModel horizonsOf;
    private int[] horizons;
    private ForecasterMetrics.ErrorMeters[][] meters; // [evaluated horizon, target] of horizonsOf

    public OnlineEvaluation(String slot, List<String> horizonSettings, ForecasterMetrics metrics) {
        this.slot = slot;
        this.horizonSettings = List.copyOf(horizonSettings);
        this.metrics = metrics;
    }

    /**
     * Scores the entity's remembered forecasts whose target time is {@code vector}'s window.
     * {@code projection} maps the model's features into the vector (null when it cannot read it).
     */
    public void score(ServedModel model, EntityState state, FeatureVector vector, int[] projection) {
        if (state.evalWidth() == 0 || !state.belongsTo(model.ref()) || projection == null) {
            return;
        }
        int[] evaluated = horizons(model);
        int targets = model.targets();
        if (state.evalWidth() != evaluated.length * targets) {
            return;
        }
        long stepMillis = model.manifest().featureSpec().stepMillis();
        for (int j = 0; j < evaluated.length; j++) {
            int made = state.rememberedAt(vector.windowStart() - evaluated[j] * stepMillis, evaluated[j]);
            if (made < 0) {
                continue;
            }
            for (int k = 0; k < targets; k++) {
                int index = projection[model.targetInput(k)];
                if (vector.observed()[index]) { // an imputed value is ingest's guess, not an actual
                    meters[j][k].record(vector.values()[index] - state.rememberedValue(made, j * targets + k));
                }
            }
        }
    }

    /** Remembers {@code forecast}'s point values at the evaluated horizons in the entity's state. */
    public void remember(ServedModel model, EntityState state, Forecast forecast) {
        int[] evaluated = horizons(model);
        if (evaluated.length == 0) {
            return;
        }
        int targets = forecast.targets().size();
        float[] points = new float[evaluated.length * targets]; // [horizons, T]
        for (int j = 0; j < evaluated.length; j++) {
            for (int k = 0; k < targets; k++) {
                points[j * targets + k] = (float) forecast.point(evaluated[j] - 1, k);
            }
        }
        state.rememberForecast(forecast.origin(), points, evaluated[evaluated.length - 1]);
    }

    /** Publishes the errors scored since the last call (once per batch: see {@link ForecasterMetrics.ErrorMeters}). */
    public void publish() {
        if (meters == null) {
            return;
        }
        for (ForecasterMetrics.ErrorMeters[] byTarget : meters) {
            for (ForecasterMetrics.ErrorMeters m : byTarget) {
                m.publish();
            }
        }
    }

    /** The evaluated horizon steps for {@code model}, ascending, within 1..H. */
    public int[] horizons(ServedModel model) {
        if (horizonsOf != model) {
            publish(); // what the last model's forecasts scored
            horizons = evaluated(horizonSettings, model.horizon());
            meters = new ForecasterMetrics.ErrorMeters[horizons.length][model.targets()];
            for (int j = 0; j < horizons.length; j++) {
                for (int k = 0; k < model.targets(); k++) {
                    meters[j][k] = metrics.error(slot, model.ref(), horizons[j], model.manifest().targets().get(k));
                }
            }
            horizonsOf = model;
        }
        return horizons;
    }

    /** {@code forecaster.evaluation.horizons} for a model of horizon {@code h}: ascending steps within 1..h. */
    public static int[] evaluated(List<String> horizonSettings, int h) {
        TreeSet<Integer> set = new TreeSet<>();
        for (String setting : horizonSettings) {
            int value = setting.equalsIgnoreCase("H") ? h : Integer.parseInt(setting);
            if (value >= 1 && value <= h) {
                set.add(value);
            }
        }
        return set.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Meters {@code model}, just chosen to serve {@code slot}, before its first forecast: its online
     * error meters exist at zero from now on, and {@code forecaster_backtest_abs_error} holds its
     * backtest MAE per target. The trainer measures MAE on z-scored values over every target and
     * horizon step (trainer README), so in the target's units it is that MAE times the target's
     * standard deviation: exact for one target, the targets' mean error scaled per target for several.
     */
    public static void meterChosen(String slot, List<String> horizonSettings, ForecasterMetrics metrics, ServedModel model) {
        List<String> targets = model.manifest().targets();
        for (int h : evaluated(horizonSettings, model.horizon())) {
            for (String target : targets) {
                metrics.error(slot, model.ref(), h, target);
            }
        }
        Double mae = model.manifest().metrics().get("mae");
        for (int k = 0; k < targets.size(); k++) {
            double std = model.manifest().std()[model.manifest().targetIndex(targets.get(k))];
            metrics.backtestAbsError(slot, targets.get(k), mae == null ? Double.NaN : mae * std);
        }
    }
}
