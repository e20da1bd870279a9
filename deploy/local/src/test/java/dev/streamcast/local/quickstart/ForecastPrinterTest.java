package dev.streamcast.local.quickstart;

import dev.streamcast.contracts.records.Forecast;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The quickstart's forecast lines: first and last step of the first target, and the outer band of a quantile model. */
class ForecastPrinterTest {

    static final long T0 = 1_467_331_200_000L; // 2016-07-01T00:00:00Z

    @Test
    void aQuantileForecastShowsItsOuterBandWithItsLevels() {
        Forecast f = new Forecast(T0, "fleet@3", "spec", List.of("oil_c.mean"), new double[]{0.1, 0.5, 0.9}, List.of(
                new Forecast.Step(1, T0 + 3_600_000, Map.of("oil_c.mean", 30.25), Map.of("oil_c.mean", new double[]{29.0, 30.25, 31.5})),
                new Forecast.Step(2, T0 + 7_200_000, Map.of("oil_c.mean", 30.75), Map.of("oil_c.mean", new double[]{28.5, 30.75, 33.0}))));
        String line = ForecastPrinter.describe("transformer-7", f);
        assertThat(line).startsWith("transformer-7 at ").contains("by fleet@3: oil_c.mean").contains("30.25").contains("30.75")
                .endsWith(" p10–p90 [28.50, 33.00]");
    }

    @Test
    void aPointForecastHasNoBand() {
        Forecast f = new Forecast(T0, "fleet@1", "spec", List.of("oil_c.mean"), new double[0], List.of(
                new Forecast.Step(1, T0 + 3_600_000, Map.of("oil_c.mean", 30.25), Map.of())));
        assertThat(ForecastPrinter.describe("t1", f)).endsWith("30.25").doesNotContain("p10");
    }
}
