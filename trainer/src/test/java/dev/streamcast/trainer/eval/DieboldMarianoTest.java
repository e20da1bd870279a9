package dev.streamcast.trainer.eval;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The Diebold-Mariano test against values worked by hand and against what it must tell apart. */
class DieboldMarianoTest {

    @Test
    void theStatisticIsTheMeanDifferenceOverItsStandardErrorWithoutLags() {
        // d = 1, 2, 3, 4: mean 2.5, variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25, DM = 2.5 / sqrt(1.25 / 4)
        DieboldMariano.Result r = DieboldMariano.test(new double[]{2, 3, 4, 5}, new double[]{1, 1, 1, 1}, 4, 0);
        assertThat(r.statistic()).isCloseTo(2.5 / Math.sqrt(1.25 / 4), within(1e-12));
        assertThat(r.pValue()).isCloseTo(1 - DieboldMariano.normalCdf(r.statistic()), within(1e-12));
        assertThat(r.meanLossA()).isEqualTo(3.5);
        assertThat(r.improvement()).isCloseTo(2.5 / 3.5, within(1e-12));
    }

    @Test
    void theNormalDistributionFunctionMatchesItsTable() {
        assertThat(DieboldMariano.normalCdf(0)).isCloseTo(0.5, within(1e-7));
        assertThat(DieboldMariano.normalCdf(1.6448536)).isCloseTo(0.95, within(1e-6));
        assertThat(DieboldMariano.normalCdf(-1.959964)).isCloseTo(0.025, within(1e-6));
    }

    @Test
    void aClearlyBetterForecastIsSignificantAndAnEqualOneIsNot() {
        Random random = new Random(3);
        int n = 400;
        double[] a = new double[n];
        double[] better = new double[n];
        double[] same = new double[n];
        for (int i = 0; i < n; i++) {
            double noise = random.nextGaussian();
            a[i] = Math.pow(noise + 0.8, 2);
            better[i] = Math.pow(noise * 0.7, 2);
            same[i] = Math.pow(random.nextGaussian() + 0.8, 2);
        }
        assertThat(DieboldMariano.test(a, better, n, 4).pValue()).isLessThan(1e-6);
        assertThat(DieboldMariano.test(a, same, n, 4).pValue()).isBetween(0.01, 0.99);
        assertThat(DieboldMariano.test(better, a, n, 4).pValue()).as("worse, one-sided").isGreaterThan(0.999);
    }

    @Test
    void autocorrelatedDifferencesWidenTheStandardError() {
        double[] a = new double[200];
        double[] b = new double[200];
        for (int i = 0; i < 200; i++) {
            a[i] = 1 + ((i / 10) % 2 == 0 ? 0.5 : -0.3); // blocks of 10 alike: strongly autocorrelated
            b[i] = 1;
        }
        assertThat(Math.abs(DieboldMariano.test(a, b, 200, 9).statistic()))
                .isLessThan(Math.abs(DieboldMariano.test(a, b, 200, 0).statistic()));
        assertThatThrownBy(() -> DieboldMariano.test(a, b, 1, 0)).hasMessageContaining("at least 2 pairs");
    }
}
