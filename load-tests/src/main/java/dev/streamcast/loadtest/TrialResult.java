package dev.streamcast.loadtest;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One trial of one phase (the pipeline or the pass-through): what was offered, what came out,
 * how late, and whether the system kept up. Latencies are in milliseconds.
 *
 * @param throughput     input records per second the first stage consumed during the measurement
 * @param lagGrowth      growth of the total consumer lag over the measurement, records per second
 * @param drainSeconds   how long after the last send every expected output had arrived (NaN: not within the timeout)
 * @param percentiles    [percentile, ms] pairs of the latency distribution, for the percentile plot
 * @param events         what the scenario did during the trial, with the time (s from the trial start)
 * @param samplesFrom    the trial's span in the phase's samples (s)
 * @param closes         per window with measured forecasts, the last of them (pipeline only; empty for copies)
 * @param warmUpP99      the warm-up's p99 (ms; NaN when it had no outputs), not measured
 * @param warmUpCloses   as {@code closes}, for the warm-up's forecasts (the first windows after a start among them)
 */
public record TrialResult(String phase, String label, double rate, List<RateProfile.Segment> profile, double warmupS,
                          double durationS, long sent, long failedSends, long expectedOut, long out, long duplicates,
                          long gaps, long missing, Map<String, Long> models, Latency latency, double sendDelayP99Ms,
                          double throughput, double lagGrowth, double drainSeconds, boolean keptUp, boolean withinTarget,
                          List<String> problems, List<double[]> percentiles, List<String> events, double samplesFrom,
                          double samplesTo, List<WindowClose> closes, double warmUpP99, List<WindowClose> warmUpCloses) {

    /**
     * Window {@code window} (the schedule's round): {@code forecasts} of it measured, the last of them
     * out {@code lastMs} after the record that closed the window in its entity's partition.
     */
    public record WindowClose(long window, long forecasts, double lastMs) {
    }

    /** Summary of the measured latencies (ms). */
    public record Latency(long count, double p50, double p90, double p99, double p999, double max, double mean) {
        static Latency of(Histogram h) {
            if (h.getTotalCount() == 0) {
                return new Latency(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            }
            return new Latency(h.getTotalCount(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)),
                    ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()), h.getMean() / 1000);
        }

        private static double ms(long micros) {
            return micros / 1000.0;
        }
    }

    /** The distribution as [percentile, ms] points, five per halving of the tail, as HdrHistogram plots it. */
    static List<double[]> percentiles(Histogram h) {
        List<double[]> points = new ArrayList<>();
        if (h.getTotalCount() == 0) {
            return points;
        }
        for (HistogramIterationValue v : h.percentiles(5)) {
            points.add(new double[]{v.getPercentileLevelIteratedTo(), v.getValueIteratedTo() / 1000.0});
            if (v.getPercentileLevelIteratedTo() >= 99.999) {
                break;
            }
        }
        return points;
    }

    /** Whether the trial passes as a search step: kept up and within the p99 target. */
    public boolean passed() {
        return keptUp && withinTarget;
    }
}
