package dev.streamcast.loadtest;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class RateSearchTest {

    @Test
    void doublesThenBisectsToWithinThePrecisionBelowTheCapacity() throws Exception {
        RateSearch.Result r = RateSearch.search(1000, 10, 1e6, 0.05, rate -> rate <= 13_700);
        assertThat(r.maxRate()).isLessThanOrEqualTo(13_700).isGreaterThan(13_700 / 1.05);
        assertThat(r.firstFailingRate() / r.maxRate()).isLessThanOrEqualTo(1.05);
        List<Double> first = r.tried().stream().limit(6).map(t -> t[0]).toList();
        assertThat(first).containsExactly(1000.0, 2000.0, 4000.0, 8000.0, 16000.0, Math.sqrt(8000.0 * 16000.0));
    }

    @Test
    void halvesWhenTheStartRateFailsAndReportsZeroWhenNothingPasses() throws Exception {
        RateSearch.Result r = RateSearch.search(1000, 10, 1e6, 0.1, rate -> rate <= 300);
        assertThat(r.maxRate()).isBetween(300 / 1.1, 300.0);
        assertThat(r.tried().get(0)[1]).isZero();

        RateSearch.Result none = RateSearch.search(1000, 100, 1e6, 0.1, rate -> false);
        assertThat(none.maxRate()).isZero();
        assertThat(none.tried()).extracting(t -> t[0]).containsExactly(1000.0, 500.0, 250.0, 125.0);
    }

    @Test
    void stopsAtTheMaximum() throws Exception {
        RateSearch.Result r = RateSearch.search(1000, 10, 5000, 0.1, rate -> true);
        assertThat(r.maxRate()).isEqualTo(5000);
        assertThat(r.firstFailingRate()).isNaN();
    }

    @Test
    void profilesScheduleRecordsOpenLoop() {
        RateProfile constant = RateProfile.constant(1000);
        assertThat(constant.dueNanos(0)).isZero();
        assertThat(constant.dueNanos(1500)).isEqualTo(1_500_000_000L);
        assertThat(constant.countBy(2.0)).isEqualTo(2000);

        RateProfile burst = RateProfile.burst(100, 10, 10, 5); // 100/s for 10 s, 1000/s for 5 s, then 100/s
        assertThat(burst.countBy(10)).isEqualTo(1000);
        assertThat(burst.countBy(15)).isEqualTo(6000);
        assertThat(burst.countBy(16)).isEqualTo(6100);
        assertThat(burst.dueNanos(1000) / 1e9).isCloseTo(10.0, within(1e-9));
        assertThat(burst.dueNanos(5999) / 1e9).isCloseTo(14.999, within(1e-9));
        assertThat(burst.dueNanos(6050) / 1e9).isCloseTo(15.5, within(1e-9));
        assertThat(burst.rateAt(12)).isEqualTo(1000);
    }
}
