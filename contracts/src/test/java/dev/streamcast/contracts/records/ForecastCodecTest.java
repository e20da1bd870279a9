package dev.streamcast.contracts.records;

import dev.streamcast.contracts.json.DecodeError;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static dev.streamcast.contracts.records.Codecs.FORECAST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ForecastCodecTest {

    private static final long HOUR = 3_600_000L;
    private static final long ORIGIN = 1_467_334_800_000L;

    static Forecast twoStepsWithQuantiles() {
        return new Forecast(ORIGIN, "etth1@3", "3f9a0c1d2e4b5a69", List.of("OT", "HUFL"), new double[]{0.1, 0.9},
                List.of(new Forecast.Step(1, ORIGIN + HOUR, Map.of("OT", 30.2, "HUFL", 5.1),
                                Map.of("OT", new double[]{29.0, 31.5}, "HUFL", new double[]{4.0, 6.0})),
                        new Forecast.Step(2, ORIGIN + 2 * HOUR, Map.of("OT", 30.4, "HUFL", 5.0),
                                Map.of("OT", new double[]{28.7, 32.0}, "HUFL", new double[]{3.9, 6.2}))));
    }

    private static DecodeError error(String json) {
        return FORECAST.decode(json.getBytes(StandardCharsets.UTF_8)).error();
    }

    private static String valid(String replace, String with) {
        return FORECAST.encodeToString(twoStepsWithQuantiles()).replace(replace, with);
    }

    @Test
    void roundTripWithQuantiles() {
        Forecast forecast = twoStepsWithQuantiles();
        String json = FORECAST.encodeToString(forecast);
        assertThat(json).startsWith("{\"origin\":1467334800000,\"model\":\"etth1@3\",\"specId\":\"3f9a0c1d2e4b5a69\","
                + "\"targets\":[\"OT\",\"HUFL\"],\"quantileLevels\":[0.1,0.9],\"steps\":[{\"h\":1,\"ts\":1467338400000,"
                + "\"point\":{\"OT\":30.2,\"HUFL\":5.1},\"quantiles\":{\"OT\":[29.0,31.5],\"HUFL\":[4.0,6.0]}}");
        Forecast back = FORECAST.decode(json.getBytes(StandardCharsets.UTF_8)).value();
        assertThat(back).isEqualTo(forecast);
        assertThat(back.horizon()).isEqualTo(2);
    }

    @Test
    void aForecastFromDenseValuesIsTheSameForecastAsFromItsStepsAndWritesTheSameBytes() {
        Forecast fromSteps = twoStepsWithQuantiles();
        // [H=2, T=2] points and [H, T, Q=2] quantiles, targets in the forecast's order (OT, HUFL)
        Forecast dense = Forecast.of(ORIGIN, "etth1@3", "3f9a0c1d2e4b5a69", List.of("OT", "HUFL"), new double[]{0.1, 0.9},
                new long[]{ORIGIN + HOUR, ORIGIN + 2 * HOUR}, new double[]{30.2, 5.1, 30.4, 5.0},
                fromSteps.steps().stream().flatMap(step -> java.util.stream.Stream.of(step.quantiles().get("OT"),
                        step.quantiles().get("HUFL"))).flatMapToDouble(java.util.Arrays::stream).toArray());

        assertThat(dense).isEqualTo(fromSteps);
        assertThat(dense.steps()).hasSize(2);
        assertThat(dense.steps().get(1).point()).containsEntry("OT", 30.4).containsEntry("HUFL", 5.0);
        assertThat(dense.quantile(1, 1, 0)).isEqualTo(fromSteps.steps().get(1).quantiles().get("HUFL")[0]);
        assertThat(FORECAST.encode(dense)).isEqualTo(FORECAST.encode(fromSteps));
        assertThat(Codecs.FORECAST_BINARY.encode(dense)).isEqualTo(Codecs.FORECAST_BINARY.encode(fromSteps));
        assertThat(FORECAST.decode(FORECAST.encode(dense)).value().point(1, 1)).isEqualTo(5.0);
    }

    @Test
    void denseValuesMustFitTheStepsTargetsAndLevels() {
        assertThatThrownBy(() -> Forecast.of(ORIGIN, "etth1@3", "s", List.of("OT", "HUFL"), new double[]{0.1, 0.9},
                new long[]{ORIGIN + HOUR}, new double[]{1.0, 2.0}, new double[]{1.0, 2.0}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a forecast of 1 steps, 2 targets and 2 quantile levels needs 2 points and 4 quantiles, got 2 and 2");
    }

    @Test
    void roundTripWithoutQuantiles() {
        Forecast point = new Forecast(ORIGIN, "naive@1", "s", List.of("OT"), new double[0],
                List.of(new Forecast.Step(1, ORIGIN + HOUR, Map.of("OT", 1.0), Map.of())));
        assertThat(FORECAST.decode(FORECAST.encode(point)).value()).isEqualTo(point);
    }

    @Test
    void modelMustBeNameAtVersion() {
        for (String bad : List.of("etth1", "etth1@0", "etth1@v3", "../x@1", "@3", "a b@1")) {
            DecodeError e = error(valid("etth1@3", bad));
            assertThat(e.field()).as(bad).isEqualTo("model");
            assertThat(e.reason()).contains("name@version");
        }
    }

    @Test
    void stepsMustBeNumberedFromOneAndMoveForwardInTime() {
        assertThat(error(valid("{\"h\":2", "{\"h\":3")).field()).isEqualTo("steps[1].h");
        DecodeError backwards = error(valid("\"ts\":1467342000000", "\"ts\":1467338400000"));
        assertThat(backwards.field()).isEqualTo("steps[1].ts");
        assertThat(backwards.reason()).contains("must be after");
    }

    @Test
    void everyTargetNeedsAPointAndOneQuantilePerLevel() {
        DecodeError missingTarget = error(valid("\"point\":{\"OT\":30.2,\"HUFL\":5.1}", "\"point\":{\"OT\":30.2,\"X\":5.1}"));
        assertThat(missingTarget.field()).isEqualTo("steps[0].point");
        assertThat(missingTarget.reason()).contains("expected exactly the targets [OT, HUFL]");

        DecodeError shortQuantiles = error(valid("\"OT\":[29.0,31.5]", "\"OT\":[29.0]"));
        assertThat(shortQuantiles.field()).isEqualTo("steps[0].quantiles.OT");
        assertThat(shortQuantiles.reason()).contains("expected between 2 and 2 elements");
    }

    @Test
    void quantileLevelsMustBeAscendingInsideZeroOne() {
        assertThat(error(valid("[0.1,0.9]", "[0.9,0.1]")).field()).isEqualTo("quantileLevels[1]");
        assertThat(error(valid("[0.1,0.9]", "[0.1,1.0]")).reason()).contains("ascending within (0, 1)");
    }
}
