package dev.streamcast.loadtest;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LagRecoveryTest {

    /** 100,000 entities and 5 % text: 105,263 records a round; at 3,500 records/s a round takes about 30 s. */
    static final long RECORDS_PER_ROUND = 105_263;
    static final double RATE = 3_500;
    static final double ROUND_S = RECORDS_PER_ROUND / RATE;

    /**
     * One sample a second from 0 to {@code seconds}: at the start of every round the lag jumps by one
     * vector per entity (the burst), then drains at {@code drainPerS}; {@code backlogPerRound} is what
     * is still there when the next round's burst comes, on top of the previous rounds' backlog.
     */
    static List<LagRecovery.Point> bursts(double seconds, double drainPerS, long backlogPerRound) {
        List<LagRecovery.Point> points = new ArrayList<>();
        for (int t = 0; t <= seconds; t++) {
            long round = (long) Math.floor(t / ROUND_S);
            double into = t - round * ROUND_S;
            long floor = round * backlogPerRound;
            long lag = Math.max(floor, floor + 100_000 - (long) (drainPerS * into));
            points.add(new LagRecovery.Point(t, lag));
        }
        return points;
    }

    @Test
    void lagThatSpikesEveryRoundAndReturnsToZeroKeepsUp() {
        // 100,000 vectors a round, worked off at 5,000/s: back to 0 after 20 s of every 30 s round
        List<LagRecovery.Point> points = bursts(200, 5_000, 0);
        assertThat(points).extracting(LagRecovery.Point::lag).contains(100_000L, 0L);
        long tolerance = LagRecovery.tolerance(RECORDS_PER_ROUND, RATE, 0.2);

        LagRecovery.Result r = LagRecovery.judge(points, 60, 180, ROUND_S, 0, tolerance);

        assertThat(r.verdict()).isTrue();
        assertThat(r.spans()).isEqualTo(3); // 120 s of 30.1 s rounds: three whole ones
        assertThat(r.judged()).isEqualTo(3);
        assertThat(r.unrecovered()).isEmpty();
    }

    @Test
    void aBacklogThatOutlastsEveryRoundDoesNotKeepUpAndTheProblemNamesTheStage() {
        // every round leaves 13,000 vectors behind: the drain at the end may still finish, the rounds never did
        List<LagRecovery.Point> points = bursts(200, 5_000, 13_000);
        long tolerance = LagRecovery.tolerance(RECORDS_PER_ROUND, RATE, 0.2);

        LagRecovery.Result r = LagRecovery.judge(points, 60, 180, ROUND_S, 0, tolerance);

        assertThat(r.verdict()).isTrue();
        assertThat(r.unrecovered()).hasSize(3);
        assertThat(r.unrecovered()).extracting(LagRecovery.Round::minLag).isSorted().allMatch(l -> l > tolerance);
        LagRecovery.Round first = r.unrecovered().get(0);
        assertThat(first.from()).isEqualTo(60);
        assertThat(first.to()).isCloseTo(60 + ROUND_S, within(1e-9));
        assertThat(first.minLag()).isEqualTo(13_000L); // at 60 s the first round has worked down to the backlog it leaves

        String problem = LagRecovery.describe("forecaster", r, r.unrecovered(), 0, tolerance);
        assertThat(problem).startsWith("forecaster lag did not return to its baseline between rounds: at least 13,000 records"
                + " behind from 60.0 s to 90.1 s")
                .contains("baseline 0 + tolerance 5,264 records", "3 of 3 rounds measured", "up to 52,000 records behind from 120.2 s to 150.2 s");
    }

    @Test
    void theBacklogOfTheReportedRunIsCaught() {
        // lag grows to 65,000 records and never gets below 40,000 in the measured rounds
        List<LagRecovery.Point> points = new ArrayList<>();
        for (int t = 0; t <= 150; t++) {
            long lag = t < 60 ? Math.min(65_000, t * 700L) : 40_000 + (long) (25_000 * Math.abs(Math.sin(t / 5.0)));
            points.add(new LagRecovery.Point(t, lag));
        }
        LagRecovery.Result r = LagRecovery.judge(points, 60, 150, ROUND_S, LagRecovery.baseline(points.subList(0, 60)),
                LagRecovery.tolerance(RECORDS_PER_ROUND, RATE, 0.2));
        assertThat(r.unrecovered()).hasSize(r.judged()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(r.unrecovered()).allMatch(x -> x.minLag() >= 40_000);
    }

    @Test
    void fewerThanOneRoundMeasuredIsNoVerdict() {
        List<LagRecovery.Point> points = bursts(80, 1_000, 50_000); // far behind, but only 20 s measured of a 30 s round
        LagRecovery.Result r = LagRecovery.judge(points, 60, 80, ROUND_S, 0, 100);
        assertThat(r.spans()).isZero();
        assertThat(r.verdict()).isFalse();
        assertThat(r.unrecovered()).isEmpty();
    }

    @Test
    void aRoundWithNoSampleIsNotJudged() {
        List<LagRecovery.Point> points = List.of(new LagRecovery.Point(5, 0), new LagRecovery.Point(25, 9_999));
        LagRecovery.Result r = LagRecovery.judge(points, 0, 30, 10, 0, 50);
        assertThat(r.spans()).isEqualTo(3);
        assertThat(r.judged()).isEqualTo(2);
        assertThat(r.unrecovered()).containsExactly(new LagRecovery.Round(20, 30, 9_999));
        assertThat(LagRecovery.judge(List.of(), 0, 30, 10, 0, 50).verdict()).isFalse();
    }

    @Test
    void roundsShorterThanTheSamplingAreJudgedInSpansOfWholeRounds() {
        // the kill-restart test: 126 records a round at 300 records/s, 0.42 s
        double round = 126 / 300.0;
        assertThat(LagRecovery.span(round)).isCloseTo(8 * round, within(1e-9)).isGreaterThanOrEqualTo(LagRecovery.MIN_SPAN_S);
        assertThat(LagRecovery.span(30)).isEqualTo(30);
        List<LagRecovery.Point> points = new ArrayList<>();
        for (int t = 0; t <= 20; t++) {
            points.add(new LagRecovery.Point(t, t % 2 == 0 ? 400 : 10)); // at rest every other second
        }
        LagRecovery.Result r = LagRecovery.judge(points, 0, 20, round, 0, 50);
        assertThat(r.roundsPerSpan()).isEqualTo(8);
        assertThat(r.spans()).isEqualTo(5);
        assertThat(r.unrecovered()).isEmpty();
        String text = LagRecovery.describe("ingest", r, List.of(new LagRecovery.Round(0, 3.36, 400)), 0, 50);
        assertThat(text).contains("ingest lag", "1 of 5 spans of 8 rounds (3.4 s) measured");
    }

    @Test
    void baselineIsTheLagAtRestAndTheToleranceASmallShareOfARound() {
        assertThat(LagRecovery.baseline(List.of())).isZero();
        assertThat(LagRecovery.baseline(List.of(new LagRecovery.Point(0, 500_000), new LagRecovery.Point(1, 12),
                new LagRecovery.Point(2, 300)))).isEqualTo(12);
        // 5 % of a round
        assertThat(LagRecovery.tolerance(105_263, 3_500, 0.2)).isEqualTo(5_264);
        // at least 50 records
        assertThat(LagRecovery.tolerance(126, 10, 0.2)).isEqualTo(50);
        // what committed offsets trail by at rest: a second of records, more with a long commit interval or task idling
        assertThat(LagRecovery.tolerance(1_053, 2_000, 0.2)).isEqualTo(2_000);
        assertThat(LagRecovery.tolerance(126, 300, 5.2)).isEqualTo(1_560);
        assertThatThrownBy(() -> LagRecovery.span(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
