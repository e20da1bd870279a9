package dev.streamcast.forecaster.serving;

import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.json.Codec;
import dev.streamcast.contracts.records.Forecast;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.metrics.PerForecast;
import dev.streamcast.forecaster.model.ServedModel;
import dev.streamcast.forecaster.state.EntityPages;
import dev.streamcast.forecaster.state.EntityState;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import java.nio.charset.StandardCharsets;

/**
 * A step's output as a {@link Forecast} on the slot's topic: back in original units with the
 * targets' mean and standard deviation, one timestamp per horizon step (origin + h x step), the
 * model's {@code name@version}, and the quantile levels when the model has them (the point is the
 * median).
 */
final class ForecastEmitter {

    private final String sink;
    private final ProcessorContext<byte[], byte[]> context;
    private final ForecasterMetrics.SlotMeters meters;
    /** Forecasts written and not yet counted, and their end-to-end times not yet published (see {@link #publish()}). */
    private long uncounted;
    private final PerForecast.Tally endToEnd;
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
        this.sink = sink;
        this.context = context;
        this.meters = metrics.slot(slot);
        this.endToEnd = meters.endToEnd();
    }

    /** The forecast of {@code model} for {@code input}, from its normalised output {@code yhat} [H, T(, Q)]. */
    static Forecast forecast(ServedModel model, EntityState.Pending input, float[] yhat) {
        BundleManifest m = model.manifest();
        int h = model.horizon();
        int t = model.targets();
        int q = model.quantiles();
        int median = q == 0 ? 0 : FeatureProjection.medianIndex(m.quantiles());
        long stepMillis = m.featureSpec().stepMillis();
        long[] ts = new long[h];
        double[] points = new double[h * t];     // [H, T]
        double[] levels = new double[h * t * q]; // [H, T, Q]: yhat's layout
        for (int s = 0; s < h; s++) {
            ts[s] = input.windowStart() + (s + 1) * stepMillis;
            for (int k = 0; k < t; k++) {
                int c = model.targetInput(k);
                double mean = m.mean()[c];
                double std = m.std()[c];
                int base = (s * t + k) * Math.max(1, q);
                points[s * t + k] = yhat[base + median] * std + mean;
                for (int l = 0; l < q; l++) {
                    levels[base + l] = yhat[base + l] * std + mean;
                }
            }
        }
        return Forecast.of(input.windowStart(), model.ref(), input.specId(), m.targets(), m.quantiles(), ts, points, levels);
    }

    /**
     * Writes the entity's forecast at its input's window end, keyed by {@code key} (the input record's
     * key bytes, the entity's id in UTF-8; null: encoded here), and keeps it as the entity's latest in
     * {@code page} (null: looked up); {@code now} (wall clock) times it end to end.
     */
    void emit(String entity, byte[] key, Forecast forecast, long windowEnd, long now, EntityPages.Page page) {
        uncounted++;
        byte[] bytes = forecasts.encode(forecast);
        context.forward(new Record<>(key != null ? key : entity.getBytes(StandardCharsets.UTF_8), bytes, windowEnd), sink);
        if (pages != null) {
            (page != null ? page : pages.page(entity)).latest(index, bytes);
        }
        endToEnd.record(Math.max(0, now - windowEnd) / 1000.0);
    }

    /**
     * Adds the forecasts written since the last call to {@code forecaster_forecasts_out} and their times
     * to {@code forecaster_end_to_end_seconds}: once per batch, not per forecast.
     */
    void publish() {
        if (uncounted > 0) {
            meters.forecastsOut(uncounted);
            uncounted = 0;
        }
        endToEnd.publish();
    }
}
