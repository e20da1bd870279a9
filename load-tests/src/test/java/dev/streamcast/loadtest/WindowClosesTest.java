package dev.streamcast.loadtest;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class WindowClosesTest {

    @Test
    void eachWindowCountsItsForecastsAndKeepsItsLatestInWindowOrderInEachPhase() {
        WindowCloses closes = new WindowCloses();
        closes.record(1, 4, 1_500_000);
        closes.record(1, 3, 200_000);
        closes.record(1, 3, 3_250_500);
        closes.record(0, 3, 4_000_000); // the same window in the other phase: apart
        closes.record(0, 2, 700_000);
        closes.record(1, 3, 900_000);
        closes.record(1, 4, 1_200_000);

        assertThat(closes.closes(1)).containsExactly(new TrialResult.WindowClose(3, 3, 3250.5),
                new TrialResult.WindowClose(4, 2, 1500.0));
        assertThat(closes.closes(0)).containsExactly(new TrialResult.WindowClose(2, 1, 700.0),
                new TrialResult.WindowClose(3, 1, 4000.0));

        closes.reset();
        assertThat(closes.closes(0)).isEmpty();
        assertThat(closes.closes(1)).isEmpty();
        closes.record(1, 7, 10_000);
        assertThat(closes.closes(1)).containsExactly(new TrialResult.WindowClose(7, 1, 10.0));
        assertThat(closes.closes(0)).isEmpty();
    }

    @Test
    void theConsoleListsFewClosesAndSummarisesMany() {
        List<TrialResult.WindowClose> two = List.of(new TrialResult.WindowClose(3, 100000, 3248.1),
                new TrialResult.WindowClose(4, 100000, 1608.4));
        assertThat(WindowCloses.describe(two, 6)).isEqualTo("last forecast of each window after the record that closed it:"
                + " window 3: 3248 ms (100000 forecasts), window 4: 1608 ms (100000 forecasts)");

        List<TrialResult.WindowClose> four = List.of(new TrialResult.WindowClose(1, 10, 40), new TrialResult.WindowClose(2, 10, 90),
                new TrialResult.WindowClose(3, 9, 250), new TrialResult.WindowClose(4, 10, 60));
        assertThat(WindowCloses.describe(four, 3)).isEqualTo("last forecast of each window after the record that closed it,"
                + " 4 windows: median 75 ms, slowest 250 ms (window 3, 9 forecasts)");
        assertThat(WindowCloses.describe(four.subList(0, 3), 2)).endsWith("3 windows: median 90 ms, slowest 250 ms (window 3, 9 forecasts)");
        assertThat(WindowCloses.describe(List.of(), 6)).isEmpty();
    }
}
