package dev.streamcast.forecaster.serving;

import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.json.Codec;
import dev.streamcast.contracts.records.Forecast;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.model.ServedModel;
import dev.streamcast.forecaster.state.EntityPages;
import dev.streamcast.forecaster.state.EntityState;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A step's output as a {@link Forecast} on the slot's topic: back in original units with the
 * targets' mean and standard deviation, one timestamp per horizon step (origin + h x step), the
 * model's {@code name@version}, and the quantile levels when the model has them (the point is the
 * median).
 */
final class ForecastEmitter {

    private final String slot;
    private final String sink;
    private final ProcessorContext<byte[], byte[]> context;
    private final ForecasterMetrics metrics;
    private final Codec<Forecast> forecasts;
    /** The entities' pages, where each one's latest forecast bytes are kept for the live page (null: not kept). */
    private final EntityPages pages;
    /** This slot's index among the forecaster's slots: its place in a page. */
    private final int index;

    ForecastEmitter(String slot, String sink, Codec<Forecast> forecasts, ProcessorContext<byte[], byte[]> context,
                    ForecasterMetrics metrics) {
        this(slot, sink, forecasts, context, metrics, null, 0);
    }

    ForecastEmitter(String slot, String sink, Codec<Forecast> forecasts, ProcessorContext<byte[], byte[]> context,
                    ForecasterMetrics metrics, EntityPages pages, int index) {
        this.pages = pages;
        this.index = index;
        this.forecasts = forecasts;
        this.slot = slot;
        this.sink = sink;
        this.context = context;
        this.metrics = metrics;
    }

    /** The forecast of {@code model} for {@code input}, from its normalised output {@code yhat} [H, T(, Q)]. */
    static Forecast forecast(ServedModel model, EntityState.Pending input, float[] yhat) {
        BundleManifest m = model.manifest();
        int h = model.horizon();
        int t = model.targets();
        int q = model.quantiles();
        int median = q == 0 ? 0 : FeatureProjection.medianIndex(m.quantiles());
        long stepMillis = m.featureSpec().stepMillis();
        List<Forecast.Step> steps = new ArrayList<>(h);
        List<String> targets = m.targets();
        for (int s = 0; s < h; s++) {
            double[] points = new double[t];
            double[][] levels = new double[t][];
            for (int k = 0; k < t; k++) {
                int c = model.targetInput(k);
                double mean = m.mean()[c];
                double std = m.std()[c];
                int base = (s * t + k) * Math.max(1, q);
                points[k] = yhat[base + median] * std + mean;
                if (q > 0) {
                    levels[k] = new double[q];
                    for (int l = 0; l < q; l++) {
                        levels[k][l] = yhat[base + l] * std + mean;
                    }
                }
            }
            steps.add(new Forecast.Step(s + 1, input.windowStart() + (s + 1) * stepMillis, byTarget(targets, points),
                    q > 0 ? byTarget(targets, levels) : Map.of()));
        }
        return new Forecast(input.windowStart(), model.ref(), input.specId(), m.targets(), m.quantiles(), steps);
    }

    /** Values by target; one target (the usual case) as an immutable map the step keeps without a copy. */
    private static Map<String, Double> byTarget(List<String> targets, double[] values) {
        if (targets.size() == 1) {
            return Map.of(targets.get(0), values[0]);
        }
        Map<String, Double> map = new LinkedHashMap<>();
        for (int k = 0; k < values.length; k++) {
            map.put(targets.get(k), values[k]);
        }
        return map;
    }

    private static Map<String, double[]> byTarget(List<String> targets, double[][] values) {
        if (targets.size() == 1) {
            return Map.of(targets.get(0), values[0]);
        }
        Map<String, double[]> map = new LinkedHashMap<>();
        for (int k = 0; k < values.length; k++) {
            map.put(targets.get(k), values[k]);
        }
        return map;
    }

    /** Writes the entity's forecast at its input's window end; {@code now} (wall clock) times it end to end. */
    /** Forwards the forecast and keeps it as the entity's latest in {@code page} (null: looked up). */
    void emit(String entity, Forecast forecast, long windowEnd, long now, EntityPages.Page page) {
        byte[] bytes = forecasts.encode(forecast);
        context.forward(new Record<>(entity.getBytes(StandardCharsets.UTF_8), bytes, windowEnd), sink);
        if (pages != null) {
            (page != null ? page : pages.page(entity)).latest(index, bytes);
        }
        metrics.forecastOut(slot);
        metrics.endToEnd(slot, now - windowEnd);
    }
}
