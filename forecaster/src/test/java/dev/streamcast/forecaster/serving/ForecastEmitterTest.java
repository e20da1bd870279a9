package dev.streamcast.forecaster.serving;

import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.Forecast;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.model.ServedModel;
import dev.streamcast.forecaster.model.TestModels;
import dev.streamcast.forecaster.state.EntityState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class ForecastEmitterTest {

    static final long STEP = 60_000L;
    static final long ORIGIN = 1_700_000_040_000L;
    static final FeatureSpec SPEC = FeatureSpec.of(STEP, List.of("load", "oil", "volts"));
    static final EntityState.Pending INPUT = new EntityState.Pending(SPEC.id(), ORIGIN, ORIGIN + STEP, new float[]{1, 2, 3});

    @Test
    void aPointForecastIsDeNormalisedPerTargetWithOneTimestampPerHorizonStep() {
        BundleManifest manifest = TestModels.manifest(SPEC, List.of("volts", "oil"), 2, new double[0],
                new double[]{0, 50, 230}, new double[]{1, 10, 5}, List.of(), 0);
        ServedModel model = TestModels.served(manifest, 3);
        float[] yhat = {1, -1, 0, 0.5f}; // [H = 2, T = 2]: volts, oil at h = 1, then at h = 2

        Forecast f = ForecastEmitter.forecast(model, INPUT, yhat);

        assertThat(f.origin()).isEqualTo(ORIGIN);
        assertThat(f.model()).isEqualTo("fleet@3");
        assertThat(f.specId()).isEqualTo(SPEC.id());
        assertThat(f.targets()).containsExactly("volts", "oil");
        assertThat(f.quantileLevels()).isEmpty();
        assertThat(f.steps()).extracting(Forecast.Step::h).containsExactly(1, 2);
        assertThat(f.steps()).extracting(Forecast.Step::ts).containsExactly(ORIGIN + STEP, ORIGIN + 2 * STEP);
        assertThat(f.steps().get(0).point().get("volts")).isEqualTo(235.0);
        assertThat(f.steps().get(0).point().get("oil")).isEqualTo(40.0);
        assertThat(f.steps().get(1).point().get("volts")).isEqualTo(230.0);
        assertThat(f.steps().get(1).point().get("oil")).isEqualTo(55.0);
        assertThat(f.steps().get(0).quantiles()).isEmpty();
    }

    @Test
    void quantileLevelsAreDeNormalisedAndTheMedianIsThePoint() {
        BundleManifest manifest = TestModels.manifest(SPEC, List.of("oil"), 2, new double[]{0.1, 0.5, 0.9},
                new double[]{0, 50, 0}, new double[]{1, 10, 1}, List.of(), 0);
        float[] yhat = {-1, 0, 1, 0.5f, 1, 1.5f}; // [H = 2, T = 1, Q = 3]

        Forecast f = ForecastEmitter.forecast(TestModels.served(manifest, 1), INPUT, yhat);

        assertThat(f.quantileLevels()).containsExactly(0.1, 0.5, 0.9);
        assertThat(f.steps().get(0).quantiles().get("oil")).containsExactly(40.0, 50.0, 60.0);
        assertThat(f.steps().get(0).point().get("oil")).isEqualTo(50.0);
        assertThat(f.steps().get(1).quantiles().get("oil")).containsExactly(new double[]{55.0, 60.0, 65.0}, within(1e-9));
        assertThat(f.steps().get(1).point().get("oil")).isEqualTo(60.0);
    }

    @Test
    void theForecastGoesToTheSlotsSinkAtItsInputsWindowEndAndIsCounted() {
        MockProcessorContext<byte[], byte[]> context = new MockProcessorContext<>();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ForecasterMetrics metrics = new ForecasterMetrics(meters);
        ForecastEmitter emitter = new ForecastEmitter("served", "forecasts-sink", Codecs.FORECAST, context, metrics);
        BundleManifest manifest = TestModels.manifest(SPEC, List.of("oil"), 1, new double[0], new double[]{0, 50, 0},
                new double[]{1, 10, 1}, List.of(), 0);
        Forecast forecast = ForecastEmitter.forecast(TestModels.served(manifest, 1), INPUT, new float[]{0.25f});

        emitter.emit("transformer-01", null, forecast, INPUT.windowEnd(), INPUT.windowEnd() + 1_500, null);
        assertThat(meters.find("forecaster_forecasts_out").tags("slot", "served").counter().count()).isZero(); // counted per batch
        assertThat(metrics.slot("served").endToEndPublished().count()).isZero();
        emitter.publish();

        assertThat(context.forwarded()).hasSize(1);
        MockProcessorContext.CapturedForward<? extends byte[], ? extends byte[]> out = context.forwarded().get(0);
        Record<? extends byte[], ? extends byte[]> record = out.record();
        assertThat(out.childName()).contains("forecasts-sink");
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("transformer-01");
        assertThat(record.timestamp()).isEqualTo(INPUT.windowEnd());
        assertThat(Codecs.FORECAST.decode(record.value()).value().steps().get(0).point().get("oil")).isEqualTo(52.5);
        assertThat(meters.find("forecaster_forecasts_out").tags("slot", "served").counter().count()).isEqualTo(1.0);
        assertThat(metrics.slot("served").endToEndPublished().count()).isEqualTo(1);
        assertThat(metrics.slot("served").endToEndPublished().sum()).isEqualTo(1.5);
    }
}
