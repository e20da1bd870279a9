package dev.streamcast.loadtest;

import java.util.ArrayList;
import java.util.List;

/**
 * The highest rate that passes a trial: doubling from a start rate until a trial fails (or
 * halving until one passes), then bisecting geometrically until the bracket is within the
 * precision. Assumes passing is monotone in the rate, as keeping up is.
 */
public final class RateSearch {

    /** Runs one trial at {@code rate} records/s and says whether it passed. */
    public interface Probe {
        boolean passes(double rate) throws Exception;
    }

    /** The highest passing rate found (0 when none passed), and every rate tried in order. */
    public record Result(double maxRate, double firstFailingRate, List<double[]> tried) {
    }

    private RateSearch() {
    }

    /**
     * @param start     the first rate tried
     * @param min       below this, give up (nothing passes)
     * @param max       above this, stop doubling (report it as the maximum)
     * @param precision stop when the failing rate is within (1 + precision) of the passing one
     */
    public static Result search(double start, double min, double max, double precision, Probe probe) throws Exception {
        if (!(start > 0 && min > 0 && max >= start && start >= min && precision > 0)) {
            throw new IllegalArgumentException("need 0 < min <= start <= max and a positive precision");
        }
        List<double[]> tried = new ArrayList<>();
        double lo = 0;
        double hi = Double.NaN;
        double rate = start;
        if (attempt(probe, rate, tried)) {
            lo = rate;
            while (lo < max) {
                rate = Math.min(max, lo * 2);
                if (attempt(probe, rate, tried)) {
                    lo = rate;
                } else {
                    hi = rate;
                    break;
                }
            }
            if (Double.isNaN(hi)) {
                return new Result(lo, Double.NaN, tried);
            }
        } else {
            hi = rate;
            while (true) {
                rate = hi / 2;
                if (rate < min) {
                    return new Result(0, hi, tried);
                }
                if (attempt(probe, rate, tried)) {
                    lo = rate;
                    break;
                }
                hi = rate;
            }
        }
        while (hi / lo > 1 + precision) {
            double mid = Math.sqrt(lo * hi);
            if (attempt(probe, mid, tried)) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return new Result(lo, hi, tried);
    }

    private static boolean attempt(Probe probe, double rate, List<double[]> tried) throws Exception {
        boolean passed = probe.passes(rate);
        tried.add(new double[]{rate, passed ? 1 : 0});
        return passed;
    }
}
