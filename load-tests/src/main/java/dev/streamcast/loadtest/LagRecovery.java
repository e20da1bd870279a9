package dev.streamcast.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Whether a stage's consumer lag comes back to its baseline between the load's rounds. Every
 * round ends in a burst (one feature vector per entity when the windows close), so lag rises at
 * every round by design; a stage keeps up when, within every round, it works the burst off and
 * is back at rest before the next one. A stage whose lag never comes down to its baseline in a
 * round is carrying a backlog from round to round, however well the end of the run drains it.
 *
 * <p>The rule, per stage and measured round:
 * <ul>
 *   <li>baseline: the least lag the stage showed in its phase before the measured interval (0 if
 *       no sample): the lag at rest, which is not always 0 (a transactional topic's last commit
 *       marker counts one per partition until the stage reads past it);</li>
 *   <li>tolerance: the largest of {@value #MIN_TOLERANCE} records, {@value #ROUND_SHARE_PERCENT} % of one
 *       round's records, and the records due at the rate in the time a stage at rest may still
 *       hold them uncommitted ({@link #tolerance}: twice the commit interval plus
 *       {@code max.task.idle.ms}, at least {@value #MIN_HOLD_S} s), since lag is read from committed offsets;</li>
 *   <li>a round whose least sampled lag is above baseline + tolerance did not recover.</li>
 * </ul>
 * The sampler reads lag once a second, so rounds shorter than {@value #MIN_SPAN_S} s are judged
 * in spans of whole rounds lasting at least that long ({@link #span}). Only whole spans inside
 * the measured interval are judged; a span with no sample (the broker too busy to answer) is not.
 */
public final class LagRecovery {

    /** The shortest span judged at once, seconds: at one sample a second, a shorter one holds one or two samples. */
    public static final double MIN_SPAN_S = 3;
    /** The least tolerance, records. */
    public static final long MIN_TOLERANCE = 50;
    /** The tolerance as a share of one round's records, percent. */
    public static final int ROUND_SHARE_PERCENT = 5;
    /** The least time a stage at rest may hold records uncommitted, seconds. */
    public static final double MIN_HOLD_S = 1;

    /** One stage's lag at {@code t} seconds. */
    public record Point(double t, long lag) {
    }

    /** A judged span [from, to) of the measured interval and the least lag sampled in it. */
    public record Round(double from, double to, long minLag) {
    }

    /**
     * One stage's measured interval judged.
     *
     * @param spanS       the length of one judged span: whole rounds, at least {@link #MIN_SPAN_S}
     * @param roundsPerSpan rounds in one span
     * @param spans       whole spans inside the measured interval
     * @param judged      of those, the spans with at least one sample
     * @param unrecovered the judged spans whose least lag stayed above baseline + tolerance, in time order
     */
    public record Result(double spanS, long roundsPerSpan, int spans, int judged, List<Round> unrecovered) {
        /** Whether any span could be judged (false: fewer than one span measured, or no sample in it). */
        public boolean verdict() {
            return judged > 0;
        }
    }

    private LagRecovery() {
    }

    /** The span judged at once for rounds of {@code roundS} seconds: whole rounds, at least {@link #MIN_SPAN_S}. */
    public static double span(double roundS) {
        return roundS * roundsPerSpan(roundS);
    }

    private static long roundsPerSpan(double roundS) {
        if (!(roundS > 0) || Double.isInfinite(roundS)) {
            throw new IllegalArgumentException("a round must last a positive time, got " + roundS);
        }
        return Math.max(1, (long) Math.ceil(MIN_SPAN_S / roundS - 1e-9));
    }

    /** The lag at rest: the least lag of {@code before} (the samples before the measured interval), 0 with none. */
    public static long baseline(List<Point> before) {
        return before.stream().mapToLong(Point::lag).min().orElse(0);
    }

    /**
     * How far above its baseline a stage's lag may stay and still count as back at rest: the largest
     * of {@link #MIN_TOLERANCE} records, {@link #ROUND_SHARE_PERCENT} % of {@code recordsPerRound}, and
     * the records due at {@code rate} in {@code holdS} seconds (at least {@link #MIN_HOLD_S}).
     *
     * @param holdS how long a stage at rest may hold records it has read without committing them:
     *              twice the commit interval plus {@code max.task.idle.ms}
     */
    public static long tolerance(long recordsPerRound, double rate, double holdS) {
        long share = (long) Math.ceil(recordsPerRound * ROUND_SHARE_PERCENT / 100.0);
        long held = (long) Math.ceil(rate * Math.max(MIN_HOLD_S, holdS));
        return Math.max(MIN_TOLERANCE, Math.max(share, held));
    }

    /**
     * Judges the measured interval [{@code from}, {@code to}) of one stage's samples in spans of
     * whole rounds ({@link #span}) from {@code from}; the tail shorter than a span is not judged.
     *
     * @param samples   the stage's (time, lag) samples; those outside the interval are ignored
     * @param roundS    how long one round takes at the trial's rate, seconds
     * @param baseline  the lag at rest ({@link #baseline})
     * @param tolerance how far above the baseline still counts as back ({@link #tolerance})
     */
    public static Result judge(List<Point> samples, double from, double to, double roundS, long baseline, long tolerance) {
        long perSpan = roundsPerSpan(roundS);
        double spanS = roundS * perSpan;
        int spans = to > from ? (int) Math.floor((to - from) / spanS + 1e-9) : 0;
        List<Round> unrecovered = new ArrayList<>();
        int judged = 0;
        for (int i = 0; i < spans; i++) {
            double start = from + i * spanS;
            double end = from + (i + 1) * spanS;
            long min = Long.MAX_VALUE;
            for (Point p : samples) {
                if (p.t() >= start && p.t() < end) {
                    min = Math.min(min, p.lag());
                }
            }
            if (min == Long.MAX_VALUE) {
                continue; // no sample: nothing to judge
            }
            judged++;
            if (min > baseline + tolerance) {
                unrecovered.add(new Round(start, end, min));
            }
        }
        return new Result(spanS, perSpan, spans, judged, List.copyOf(unrecovered));
    }

    /**
     * The sentence naming what went wrong: the stage, the first span that did not recover and its
     * least lag, the baseline and tolerance, and, with more than one, how many and the worst.
     * Times are as the samples gave them (seconds from the trial's start).
     */
    public static String describe(String stage, Result result, List<Round> rounds, long baseline, long tolerance) {
        if (rounds.isEmpty()) {
            throw new IllegalArgumentException("nothing to describe: every round of " + stage + " recovered");
        }
        Round first = rounds.get(0);
        Round worst = first;
        for (Round r : rounds) {
            if (r.minLag() > worst.minLag()) {
                worst = r;
            }
        }
        String unit = result.roundsPerSpan() == 1 ? "rounds"
                : String.format(Locale.ROOT, "spans of %d rounds (%.1f s)", result.roundsPerSpan(), result.spanS());
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                "%s lag did not return to its baseline between rounds: at least %,d records behind from %.1f s to %.1f s"
                        + " (baseline %,d + tolerance %,d records; %d of %d %s measured",
                stage, first.minLag(), first.from(), first.to(), baseline, tolerance, rounds.size(), result.judged(), unit));
        if (worst != first) {
            s.append(String.format(Locale.ROOT, "; up to %,d records behind from %.1f s to %.1f s", worst.minLag(), worst.from(),
                    worst.to()));
        }
        return s.append(')').toString();
    }
}
