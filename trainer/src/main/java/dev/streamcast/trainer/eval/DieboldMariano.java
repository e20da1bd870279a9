package dev.streamcast.trainer.eval;

/**
 * The Diebold-Mariano test (Diebold and Mariano 1995) of equal predictive accuracy on paired losses: d_i = L_a,i − L_b,i,
 * DM = d̄ / sqrt(V / n), where V is the long-run variance of d by Newey-West with Bartlett weights up to {@code lag}
 * (forecasts h steps ahead overlap, so their losses are autocorrelated up to h − 1). Under equal accuracy DM is
 * asymptotically standard normal; the p-value here is one-sided, for "b is better than a" (d̄ > 0).
 */
public final class DieboldMariano {

    /** The statistic, its one-sided p-value, the mean loss of each side and how many pairs. */
    public record Result(double statistic, double pValue, double meanLossA, double meanLossB, int pairs) {

        /** (mean L_a − mean L_b) / mean L_a: the share of a's loss that b saves (negative: b is worse). */
        public double improvement() {
            return meanLossA == 0 ? 0 : (meanLossA - meanLossB) / meanLossA;
        }
    }

    private DieboldMariano() {
    }

    /** The test on {@code lossA[i]} and {@code lossB[i]}, i &lt; n, in the order they were observed. */
    public static Result test(double[] lossA, double[] lossB, int n, int lag) {
        if (n < 2) {
            throw new IllegalArgumentException("the Diebold-Mariano test needs at least 2 pairs, got " + n);
        }
        double sumA = 0;
        double sumB = 0;
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            sumA += lossA[i];
            sumB += lossB[i];
            d[i] = lossA[i] - lossB[i];
        }
        double mean = (sumA - sumB) / n;
        double variance = autocovariance(d, mean, 0);
        for (int k = 1; k <= Math.min(lag, n - 1); k++) {
            variance += 2 * (1 - k / (lag + 1.0)) * autocovariance(d, mean, k);
        }
        double statistic;
        if (variance <= 0) {
            statistic = mean == 0 ? 0 : Math.copySign(Double.POSITIVE_INFINITY, mean);
        } else {
            statistic = mean / Math.sqrt(variance / n);
        }
        return new Result(statistic, 1 - normalCdf(statistic), sumA / n, sumB / n, n);
    }

    private static double autocovariance(double[] d, double mean, int k) {
        double s = 0;
        for (int i = k; i < d.length; i++) {
            s += (d[i] - mean) * (d[i - k] - mean);
        }
        return s / d.length;
    }

    /** Φ(x), the standard normal distribution function (erfc by Numerical Recipes' Chebyshev fit, |error| &lt; 1.2e-7). */
    static double normalCdf(double x) {
        if (Double.isInfinite(x)) {
            return x > 0 ? 1 : 0;
        }
        return 0.5 * erfc(-x / Math.sqrt(2));
    }

    private static double erfc(double x) {
        double z = Math.abs(x);
        double t = 1 / (1 + 0.5 * z);
        double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }
}
