package dev.streamcast.forecaster.page;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class OverviewTest {

    static Map<String, Object> instance(String name, double entities, double forecasts, double malformed, double mae, double count) {
        return Map.of("instance", name,
                "slots", List.of(Map.of("slot", "served", "alias", "champion", "model", "fleet@2", "entities", entities,
                        "forecasts", forecasts)),
                "refused", Map.of("MALFORMED", malformed, "UNKNOWN_SPEC", 0.0),
                "worstErrors", List.of(Map.of("slot", "served", "model", "fleet@2", "h", 1, "target", "oil", "mae", mae,
                        "count", count)));
    }

    @Test
    void theFleetSumsEveryInstanceAndMergesAModelsErrorAtAHorizonByItsCounts() {
        Map<String, Object> fleet = Overview.combine(List.of(instance("a:1", 30, 300, 2, 1.0, 100),
                instance("b:1", 10, 100, 1, 3.0, 300)), List.of("c:1"));
        assertThat(fleet.get("instances")).isEqualTo(List.of("a:1", "b:1"));
        assertThat(fleet.get("unreachable")).isEqualTo(List.of("c:1"));
        assertThat(fleet.get("entities")).isEqualTo(40.0);
        assertThat(fleet.get("forecasts")).isEqualTo(400.0);
        assertThat(fleet.get("refused")).isEqualTo(Map.of("MALFORMED", 3.0, "UNKNOWN_SPEC", 0.0));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> worst = (List<Map<String, Object>>) fleet.get("worstErrors");
        assertThat(worst).hasSize(1);
        assertThat(((Number) worst.get(0).get("mae")).doubleValue()).isCloseTo(2.5, within(1e-12)); // (1 x 100 + 3 x 300) / 400
        assertThat(((Number) worst.get(0).get("count")).doubleValue()).isEqualTo(400.0);
    }
}
