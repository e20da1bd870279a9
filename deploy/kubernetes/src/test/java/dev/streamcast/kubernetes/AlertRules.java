package dev.streamcast.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The PrometheusRule of {@code base/alerts.yaml} as Prometheus itself reads rules: its
 * {@code spec.groups} in a rule file of their own, the form promtool and a plain Prometheus take.
 */
public final class AlertRules {

    private static final YAMLMapper YAML = new YAMLMapper();

    private AlertRules() {
    }

    /** The PrometheusRule as written. */
    public static JsonNode resource() throws IOException {
        return YAML.readTree(Overlays.kubernetes().resolve("base/alerts.yaml").toFile());
    }

    /** Every alerting rule of every group. */
    public static List<JsonNode> alerts() throws IOException {
        List<JsonNode> alerts = new ArrayList<>();
        for (JsonNode group : resource().at("/spec/groups")) {
            group.path("rules").forEach(r -> {
                if (r.has("alert")) {
                    alerts.add(r);
                }
            });
        }
        return alerts;
    }

    /** Writes the rule file to {@code file} and returns it. */
    public static Path writeRuleFile(Path file) throws IOException {
        ObjectNode rules = YAML.createObjectNode();
        rules.set("groups", resource().at("/spec/groups"));
        Files.createDirectories(file.getParent());
        YAML.writeValue(file.toFile(), rules);
        return file;
    }

    /**
     * The same rules with every {@code for} shortened to {@code holdFor}, so that a test watching a
     * real Prometheus sees an alert fire within seconds; the expressions are unchanged.
     */
    public static Path writeRuleFile(Path file, String holdFor) throws IOException {
        ObjectNode rules = YAML.createObjectNode();
        JsonNode groups = resource().at("/spec/groups").deepCopy();
        for (JsonNode group : groups) {
            group.path("rules").forEach(r -> {
                if (r.has("for")) {
                    ((ObjectNode) r).put("for", holdFor);
                }
            });
        }
        rules.set("groups", groups);
        Files.createDirectories(file.getParent());
        YAML.writeValue(file.toFile(), rules);
        return file;
    }
}
