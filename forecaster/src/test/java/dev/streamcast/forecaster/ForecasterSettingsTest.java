package dev.streamcast.forecaster;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The forecaster's settings through its config mapping, as Quarkus reads them. */
class ForecasterSettingsTest {

    static ForecasterSettings settings(Map<String, String> properties) {
        ForecasterConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "test", 300))
                .withMapping(ForecasterConfig.class)
                .build()
                .getConfigMapping(ForecasterConfig.class);
        return ForecasterSettings.from(config, "json", "json");
    }

    @Test
    void anEntityIsStaleAfterThreeInputsWithoutAForecastUnlessSetOtherwise() {
        assertThat(settings(Map.of()).staleSteps()).isEqualTo(3);
        assertThat(settings(Map.of("forecaster.alerts.stale-steps", "12")).staleSteps()).isEqualTo(12);
    }

    @Test
    void aStaleStepsBelowOneIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> settings(Map.of("forecaster.alerts.stale-steps", "0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("forecaster.alerts.stale-steps must be at least 1 (inputs without a forecast before an entity counts as"
                        + " stale), got 0");
    }
}
