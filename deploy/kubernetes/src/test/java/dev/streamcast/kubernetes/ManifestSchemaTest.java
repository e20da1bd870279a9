package dev.streamcast.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamcast.kubernetes.validation.ManifestValidator;
import dev.streamcast.kubernetes.validation.ValidationReport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every document of every rendered overlay against its real schema, as a strict API server would
 * take it: built-in kinds through the fabric8 model, Strimzi, KEDA and Prometheus Operator kinds
 * against the CustomResourceDefinitions in {@code ../shared/kubernetes-crds}. Unknown fields are errors.
 */
class ManifestSchemaTest {

    static List<String> overlays() {
        return Overlays.NAMES;
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyRenderedDocumentIsValidAgainstItsSchema(String overlay) throws Exception {
        List<JsonNode> docs = Overlays.render(overlay);
        ValidationReport report = ManifestValidator.configured().validate(docs);
        assertThat(report.errors()).as(overlay).isEmpty();
        assertThat(report.warnings()).as(overlay + ": nothing deprecated").isEmpty();
        // what a schema cannot check: the CEL rules, reported, never silently passed
        assertThat(report.unchecked()).as(overlay).allMatch(line -> line.startsWith("ScaledObject/"));
        assertThat(docs.stream().map(d -> d.path("kind").asText()).distinct()).as(overlay + " kinds validated")
                .contains("Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser", "ScaledObject", "TriggerAuthentication",
                        "PodMonitor", "PrometheusRule", "StatefulSet", "Deployment", "Service", "NetworkPolicy", "ConfigMap");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void aTypoInAnOverlayIsCaught(String overlay) throws Exception {
        // the validator really looks: the same rendering with one field misspelt fails, naming it
        List<JsonNode> docs = Overlays.render(overlay);
        JsonNode forecaster = Overlays.named(docs, "StatefulSet", "forecaster");
        ((com.fasterxml.jackson.databind.node.ObjectNode) forecaster.at("/spec/template/spec/containers/0"))
                .set("readinesProbe", forecaster.at("/spec/template/spec/containers/0/readinessProbe"));
        JsonNode topic = Overlays.named(docs, "KafkaTopic", "features");
        ((com.fasterxml.jackson.databind.node.ObjectNode) topic.path("spec")).put("partitions", "four");
        assertThat(ManifestValidator.configured().validate(docs).errors()).hasSize(2)
                .anyMatch(e -> e.contains("StatefulSet/forecaster") && e.contains("readinesProbe"))
                .anyMatch(e -> e.contains("KafkaTopic/features") && e.contains("spec.partitions"));
    }
}
