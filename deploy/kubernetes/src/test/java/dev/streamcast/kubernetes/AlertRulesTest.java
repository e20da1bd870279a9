package dev.streamcast.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The alert rules in promtool: they parse and pass promtool's checks, and each alert's unit test
 * ({@code alerts-test.yaml}) fires it where it should and not where it should not. Each alert
 * follows the monitoring-mixins conventions and has its runbook section in deploy/README.md.
 */
class AlertRulesTest {

    private static final Path WORK = Path.of("target/alert-rules");

    @Test
    void promtoolChecksTheRules() throws Exception {
        Path rules = AlertRules.writeRuleFile(WORK.resolve("streamcast.rules.yaml"));
        Binaries.Result check = Binaries.run(List.of(Binaries.require(Binaries.PROMTOOL).toString(), "check", "rules",
                rules.toAbsolutePath().toString()), WORK);
        assertThat(check.status()).as(check.output()).isZero();
        assertThat(check.output()).contains("SUCCESS: " + AlertRules.alerts().size() + " rules found");
    }

    @Test
    void promtoolUnitTestsFireEveryAlertWhereItShouldAndNotWhereItShouldNot() throws Exception {
        AlertRules.writeRuleFile(WORK.resolve("streamcast.rules.yaml"));
        Path tests = Files.copy(Path.of("src/test/resources/alerts-test.yaml"), WORK.resolve("alerts-test.yaml"),
                StandardCopyOption.REPLACE_EXISTING);
        Binaries.Result run = Binaries.run(List.of(Binaries.require(Binaries.PROMTOOL).toString(), "test", "rules",
                tests.toAbsolutePath().toString()), WORK);
        assertThat(run.status()).as(run.output()).isZero();
        assertThat(run.output()).contains("SUCCESS");

        // every alert has at least one evaluation where it fires and one where it does not
        Map<String, Set<Boolean>> seen = new HashMap<>();
        for (JsonNode test : new YAMLMapper().readTree(tests.toFile()).path("tests")) {
            for (JsonNode check : test.path("alert_rule_test")) {
                seen.computeIfAbsent(check.path("alertname").asText(), k -> new HashSet<>())
                        .add(!check.path("exp_alerts").isEmpty());
            }
        }
        for (JsonNode alert : AlertRules.alerts()) {
            assertThat(seen.get(alert.path("alert").asText())).as("unit tests of " + alert.path("alert").asText())
                    .containsExactlyInAnyOrder(true, false);
        }
    }

    @Test
    void everyAlertHasASeverityASummaryADescriptionAndARunbookSection() throws Exception {
        String readme = Files.readString(Overlays.root().resolve("deploy/README.md"));
        List<JsonNode> alerts = AlertRules.alerts();
        assertThat(alerts).hasSizeGreaterThanOrEqualTo(15);
        Set<String> names = new HashSet<>();
        for (JsonNode alert : alerts) {
            String name = alert.path("alert").asText();
            assertThat(names.add(name)).as("one alert named " + name).isTrue();
            assertThat(name).as("monitoring-mixins: CamelCase, prefixed with the project").matches("Streamcast[A-Z][A-Za-z]+");
            assertThat(alert.at("/labels/severity").asText()).as(name + " severity").isIn("critical", "warning");
            assertThat(alert.at("/annotations/summary").asText()).as(name + " summary").isNotBlank().doesNotContain("\n");
            assertThat(alert.at("/annotations/description").asText()).as(name + " description").contains("{{");
            assertThat(alert.at("/annotations/runbook_url").asText()).as(name + " runbook")
                    .isEqualTo("deploy/README.md#" + name.toLowerCase());
            assertThat(readme).as("deploy/README.md has a runbook section for " + name).contains("\n#### " + name + "\n");
        }
    }
}
