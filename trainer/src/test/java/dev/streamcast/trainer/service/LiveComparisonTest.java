package dev.streamcast.trainer.service;

import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.records.Forecast;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Drift and promotion decided on scored forecasts, as the service sees them on its topics. */
class LiveComparisonTest {

    static final long HOUR = 3_600_000L;
    static final int H = 3;
    static final FeatureSpec SPEC = FeatureSpec.of(HOUR, List.of("oil_c.mean"));

    record Settings(double driftFactor, int driftErrors, Duration driftCooldown, int minPairs, int maxPairs, double margin,
                    double alpha, int season) implements TrainerServiceConfig.Live {
        @Override
        public boolean enabled() {
            return true;
        }
    }

    static final Settings SETTINGS = new Settings(2.0, 60, Duration.ofMinutes(10), 150, 600, 0.05, 0.05, 24);

    final List<String> drifts = new ArrayList<>();
    final List<LiveComparison.Decision> decisions = new ArrayList<>();
    /** Both models: std 2 for oil, backtest MAE 0.5 (z), so a live MAE above 1.0 (z), 2.0 in units, is drift. */
    final LiveComparison live = new LiveComparison(SETTINGS, ref -> new LiveComparison.ModelFacts(Map.of("oil_c.mean", 2.0), 0.5),
            new LiveComparison.Listener() {
                @Override
                public void drift(String champion, double liveMae, double backtestMae, int errors) {
                    drifts.add(String.format("%s %.2f %.2f %d", champion, liveMae, backtestMae, errors));
                }

                @Override
                public void decided(LiveComparison.Decision decision) {
                    decisions.add(decision);
                }
            });
    final Random random = new Random(11);

    static double signal(int t) {
        return 50 + 10 * Math.sin(2 * Math.PI * t / 24);
    }

    static Forecast forecast(String model, int origin, DoubleUnaryOperator error) {
        List<Forecast.Step> steps = new ArrayList<>();
        for (int h = 1; h <= H; h++) {
            steps.add(new Forecast.Step(h, (origin + h) * HOUR, Map.of("oil_c.mean", signal(origin + h) + error.applyAsDouble(h)), Map.of()));
        }
        return new Forecast(origin * HOUR, model, SPEC.id(), List.of("oil_c.mean"), new double[0], steps);
    }

    /** Steps [from, to) of one entity: the actual, then each model's forecast from it. */
    void stream(int from, int to, double championNoise, double challengerNoise, DoubleUnaryOperator actualShift, boolean observed) {
        for (int t = from; t < to; t++) {
            live.actual("e1", new FeatureVector(SPEC.id(), t * HOUR, (t + 1) * HOUR, new double[]{signal(t) + actualShift.applyAsDouble(t)},
                    new boolean[]{observed}), t); // the wall clock: milliseconds apart, within one cooldown
            live.forecast(LiveComparison.Slot.CHAMPION, "e1", forecast("fleet@1", t, h -> championNoise * random.nextGaussian()));
            if (challengerNoise >= 0) {
                live.forecast(LiveComparison.Slot.CHALLENGER, "e1", forecast("fleet@2", t, h -> challengerNoise * random.nextGaussian()));
            }
        }
    }

    @Test
    void theChampionsLiveErrorAboveItsBacktestByTheFactorIsDriftOncePerCooldown() {
        live.spec(SPEC);
        stream(0, 100, 0.5, -1, t -> 0, true);
        assertThat(drifts).as("MAE about 0.2 (z) against a backtest of 0.5").isEmpty();
        stream(100, 200, 0.5, -1, t -> 8, true); // the plant moves 8 units (4 std) away from what the model knows
        assertThat(drifts).hasSize(1);
        assertThat(drifts.get(0)).startsWith("fleet@1 ").endsWith(" 0.50 60");
        double liveMae = Double.parseDouble(drifts.get(0).split(" ")[1]);
        assertThat(liveMae).isGreaterThan(1.0);
        assertThat(live.view()).containsEntry("champion", "fleet@1");
    }

    @Test
    void imputedActualsAreNotScored() {
        live.spec(SPEC);
        stream(0, 200, 0.5, 0.2, t -> 8, false);
        assertThat(drifts).isEmpty();
        assertThat(decisions).isEmpty();
        assertThat(live.view()).containsEntry("pairs", 0);
    }

    @Test
    void aClearlyBetterChallengerIsPromotedWithItsNumbers() {
        live.spec(SPEC);
        stream(0, 400, 2.0, 0.5, t -> 1.5 * random.nextGaussian(), true); // not periodic: seasonal naive is no oracle
        assertThat(decisions).hasSize(1);
        LiveComparison.Decision d = decisions.get(0);
        assertThat(d.promote()).isTrue();
        assertThat(d.champion()).isEqualTo("fleet@1");
        assertThat(d.challenger()).isEqualTo("fleet@2");
        assertThat(d.pairs()).isEqualTo(SETTINGS.minPairs());
        assertThat(d.championMse()).isCloseTo(1.5625, within(0.4));   // (2^2 + 1.5^2) / 2^2
        assertThat(d.challengerMse()).isCloseTo(0.625, within(0.2));  // (0.5^2 + 1.5^2) / 2^2
        assertThat(d.naiveMse()).isCloseTo(1.125, within(0.3));       // 2 * 1.5^2 / 2^2
        assertThat(d.pValue()).isLessThan(1e-6);
        assertThat(d.describe()).startsWith("promoted fleet@2 over fleet@1: better by");
    }

    @Test
    void aWorseChallengerIsKeptOut() {
        live.spec(SPEC);
        stream(0, 400, 0.5, 2.0, t -> 1.5 * random.nextGaussian(), true);
        assertThat(decisions).hasSize(1);
        assertThat(decisions.get(0).promote()).isFalse();
        assertThat(decisions.get(0).why()).contains("the champion is significantly better");
        stream(400, 800, 0.5, 2.0, t -> 1.5 * random.nextGaussian(), true);
        assertThat(decisions).as("decided once for this pair of models").hasSize(1);
    }

    @Test
    void aChallengerBetterThanTheChampionButWorseThanSeasonalNaiveIsKeptOut() {
        live.spec(SPEC);
        // the signal repeats every 24 steps exactly: seasonal naive is perfect, both models are not
        stream(0, 400, 4.0, 1.0, t -> 0, true);
        assertThat(decisions).hasSize(1);
        assertThat(decisions.get(0).promote()).isFalse();
        assertThat(decisions.get(0).why()).isEqualTo("better than the champion but worse than seasonal naive by more than 5.0%");
        assertThat(decisions.get(0).naiveMse()).isCloseTo(0, within(1e-12));
    }

    @Test
    void aChallengerNoBetterIsKeptOutAfterTheMostPairs() {
        live.spec(SPEC);
        stream(0, 700, 1.0, 1.0, t -> 1.5 * random.nextGaussian(), true);
        assertThat(decisions).hasSize(1);
        assertThat(decisions.get(0).promote()).isFalse();
        assertThat(decisions.get(0).pairs()).isEqualTo(SETTINGS.maxPairs());
    }

    @Test
    void aChallengerWithPairsAndNoDecisionIsUndecidedAndRoutineRunsLeaveItTheAlias() {
        live.spec(SPEC);
        assertThat(live.undecided("fleet@2")).as("no pairs yet").isEmpty();
        stream(0, 40, 1.0, 1.0, t -> 1.5 * random.nextGaussian(), true);
        int pairs = (Integer) live.view().get("pairs");
        assertThat(pairs).isBetween(1, SETTINGS.minPairs() - 1);
        assertThat(live.undecided("fleet@2")).contains("fleet@2 (" + pairs + " live pairs against fleet@1, no decision yet)");
        assertThat(live.undecided("fleet@5")).as("the alias has moved on: that comparison says nothing of fleet@5").isEmpty();

        assertThat(Runs.keepsChallenger(Run.Trigger.SCHEDULE, "challenger", live.undecided("fleet@2"))).isEqualTo(live.undecided("fleet@2"));
        assertThat(Runs.keepsChallenger(Run.Trigger.HISTORY, "challenger", live.undecided("fleet@2"))).isPresent();
        assertThat(Runs.keepsChallenger(Run.Trigger.DRIFT, "challenger", live.undecided("fleet@2"))).as("a drift takes it").isEmpty();
        assertThat(Runs.keepsChallenger(Run.Trigger.REQUEST, "challenger", live.undecided("fleet@2"))).as("a person takes it").isEmpty();
        assertThat(Runs.keepsChallenger(Run.Trigger.SCHEDULE, "champion", live.undecided("fleet@2"))).as("no champion yet").isEmpty();

        stream(40, 700, 1.0, 1.0, t -> 1.5 * random.nextGaussian(), true);
        assertThat(decisions).hasSize(1);
        assertThat(live.undecided("fleet@2")).as("decided").isEmpty();
        assertThat(Runs.keepsChallenger(Run.Trigger.SCHEDULE, "challenger", live.undecided("fleet@2"))).isEmpty();
    }
}
