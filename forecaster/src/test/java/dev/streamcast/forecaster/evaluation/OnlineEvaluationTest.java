package dev.streamcast.forecaster.evaluation;

import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.records.Forecast;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.model.ServedModel;
import dev.streamcast.forecaster.model.TestModels;
import dev.streamcast.forecaster.state.EntityState;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class OnlineEvaluationTest {

    static final long STEP = 60_000L;
    static final long T0 = 1_700_000_040_000L;
    static final FeatureSpec SPEC = FeatureSpec.of(STEP, List.of("load", "oil"));
    static final BundleManifest MANIFEST = TestModels.manifest(SPEC, List.of("oil"), 3, new double[0], new double[]{0, 0},
            new double[]{1, 1}, List.of(), 0);
    static final int[] IDENTITY = {0, 1};

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final ForecasterMetrics metrics = new ForecasterMetrics(meters);
    private final OnlineEvaluation evaluation = new OnlineEvaluation("served", List.of("1", "H"), metrics);
    private final ServedModel model = TestModels.served(MANIFEST, 1);

    @Test
    void theEvaluatedHorizonsAreTheSettingsWithinTheModelsHorizonWithHAsItsLast() {
        assertThat(evaluation.horizons(model)).containsExactly(1, 3);
        assertThat(new OnlineEvaluation("served", List.of("2", "7", "h", "2"), metrics).horizons(model))
                .containsExactly(2, 3);
    }

    @Test
    void aChosenModelHasItsErrorMetersAtZeroAndItsBacktestErrorInTheTargetsUnits() {
        BundleManifest m = MANIFEST;
        BundleManifest withMae = new BundleManifest(m.formatVersion(), m.name(), m.architecture(), m.hyperParameters(), m.featureSpec(),
                m.targets(), m.horizon(), m.quantiles(), new double[]{0, 40}, new double[]{2, 5}, m.state(), m.warmUpSteps(),
                m.trainingData(), java.util.Map.of("mae", 0.3), m.parameterCount(), m.opset(), m.files(), m.trainerVersion(),
                m.sourceRevision());
        OnlineEvaluation.meterChosen("served", List.of("1", "H"), metrics, TestModels.served(withMae, 4));

        assertThat(metrics.liveErrors()).filteredOn(e -> e.model().equals("fleet@4") && e.slot().equals("served")
                && e.target().equals("oil")).extracting(ForecasterMetrics.LiveError::horizon).containsExactlyInAnyOrder(1, 3);
        assertThat(error("fleet@4", 3).count()).isZero();
        // MAE on z-scored values (0.3) times oil's standard deviation (5), not load's (2)
        assertThat(meters.get("forecaster_backtest_abs_error").tags("slot", "served", "target", "oil").gauge().value())
                .isCloseTo(1.5, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void aForecastIsScoredAtEachEvaluatedHorizonWhenItsActualArrives() {
        EntityState state = new EntityState();
        state.startModel(model.ref(), 0);
        evaluation.remember(model, state, forecast(T0, 10, 11, 12));      // made at T0: for T0 + 1, + 2, + 3 steps
        evaluation.remember(model, state, forecast(T0 + STEP, 20, 21, 22));

        evaluation.score(model, state, actual(T0 + STEP, 13), IDENTITY);   // h = 1 of the first forecast: 10
        evaluation.score(model, state, actual(T0 + 3 * STEP, 30), IDENTITY); // h = 3 of the first (12); h = 1 of none
        assertThat(error("fleet@1", 1).count()).as("published once per batch, not per score").isZero();
        evaluation.publish();

        assertThat(error("fleet@1", 1).count()).isEqualTo(1);
        assertThat(error("fleet@1", 1).absSum()).isEqualTo(3.0);
        assertThat(error("fleet@1", 3).count()).isEqualTo(1);
        assertThat(error("fleet@1", 3).absSum()).isEqualTo(18.0);
        assertThat(error("fleet@1", 3).squaredSum()).isEqualTo(324.0);
        assertThat(error("fleet@1", 1).mae()).isEqualTo(3.0);
    }

    @Test
    void forecastsOfAnotherModelOrOfAnUnreadableSpecAreNotScored() {
        EntityState state = new EntityState();
        state.startModel(model.ref(), 0);
        evaluation.remember(model, state, forecast(T0, 10, 11, 12));

        evaluation.score(TestModels.served(MANIFEST, 2), state, actual(T0 + STEP, 13), IDENTITY);
        evaluation.score(model, state, actual(T0 + STEP, 13), null);
        evaluation.publish();

        // the model's error meters exist from its first forecast on (at zero, so a dashboard has the series), none counted
        assertThat(metrics.liveErrors()).isNotEmpty().allSatisfy(e -> {
            assertThat(e.count()).as(e.toString()).isZero();
            assertThat(e.mae()).isNull();
        });
    }

    @Test
    void anImputedActualIsNotScored() {
        EntityState state = new EntityState();
        state.startModel(model.ref(), 0);
        evaluation.remember(model, state, forecast(T0, 10, 11, 12));
        evaluation.remember(model, state, forecast(T0 + STEP, 20, 21, 22));

        evaluation.score(model, state, new FeatureVector(SPEC.id(), T0 + STEP, T0 + 2 * STEP, new double[]{0, 13},
                new boolean[]{true, false}), IDENTITY); // oil imputed: ingest's guess, not what happened
        evaluation.score(model, state, actual(T0 + 2 * STEP, 25), IDENTITY);
        evaluation.publish();

        assertThat(error("fleet@1", 1).count()).as("only the observed one").isEqualTo(1);
        assertThat(error("fleet@1", 1).absSum()).isEqualTo(5.0);
    }

    private Forecast forecast(long origin, double... oil) {
        List<Forecast.Step> steps = new java.util.ArrayList<>();
        for (int h = 1; h <= oil.length; h++) {
            steps.add(new Forecast.Step(h, origin + h * STEP, Map.of("oil", oil[h - 1]), Map.of()));
        }
        return new Forecast(origin, model.ref(), SPEC.id(), List.of("oil"), new double[0], steps);
    }

    private static FeatureVector actual(long windowStart, double oil) {
        return new FeatureVector(SPEC.id(), windowStart, windowStart + STEP, new double[]{0, oil}, new boolean[]{true, true});
    }

    private ForecasterMetrics.LiveError error(String model, int horizon) {
        return metrics.liveErrors().stream().filter(e -> e.slot().equals("served") && e.model().equals(model)
                && e.horizon() == horizon && e.target().equals("oil")).findFirst().orElseThrow();
    }
}
