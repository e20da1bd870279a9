package dev.streamcast.kubernetes.validation;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ManifestValidatorTest {

    private static final ManifestValidator VALIDATOR = ManifestValidator.configured();

    private static final String RENDERED = """
            ---
            apiVersion: kafka.strimzi.io/v1
            kind: KafkaTopic
            metadata:
              name: features
              labels: {strimzi.io/cluster: streamcast}
            spec:
              partitions: 12
              replicas: 3
            ---
            # kustomize leaves no empty documents, hand-written files do
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: forecaster}
            spec:
              selector: {app.kubernetes.io/name: forecaster}
              ports: [{name: http, port: 80, targetPort: http}]
            ---
            apiVersion: monitoring.coreos.com/v1
            kind: ServiceMonitor
            metadata: {name: forecaster}
            spec:
              selector: {matchLabels: {app.kubernetes.io/name: forecaster}}
              endpoints: [{port: http, path: /q/metrics, interval: 30s}]
            """;

    @Test
    void aMultiDocumentStringSplitsIntoItsNonEmptyDocuments() {
        List<JsonNode> documents = ManifestValidator.readDocuments(RENDERED);

        assertThat(documents).extracting(d -> d.path("kind").asText()).containsExactly("KafkaTopic", "Service", "ServiceMonitor");
        assertThat(documents.get(0).path("spec").path("partitions").intValue()).isEqualTo(12);
    }

    @Test
    void customResourcesAndBuiltInKindsTogetherPass() {
        assertThat(VALIDATOR.validate(RENDERED)).isEqualTo(ValidationReport.EMPTY);
    }

    @Test
    void eachErrorNamesItsDocumentAndPath() {
        ValidationReport report = VALIDATOR.validate(RENDERED
                .replace("replicas: 3", "replicas: 3\n  partitionz: 6")
                .replace("targetPort: http}", "targetPort: http, protocl: TCP}")
                .replace("interval: 30s", "interval: 30 s"));

        assertThat(report.errors()).containsExactly(
                "KafkaTopic/features: spec.partitionz: unknown field",
                "Service/forecaster: spec.ports[0].protocl: unknown field",
                "ServiceMonitor/forecaster: spec.endpoints[0].interval: string \"30 s\" does not match the pattern"
                        + " ^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$");
    }

    @Test
    void aDeprecatedStrimziVersionPassesWithItsWarning() {
        ValidationReport report = VALIDATOR.validate(RENDERED.replace("kafka.strimzi.io/v1\n", "kafka.strimzi.io/v1beta2\n"));

        assertThat(report.errors()).isEmpty();
        assertThat(report.warnings()).containsExactly("KafkaTopic/features: (root): Version v1beta2 of the KafkaTopic API is"
                + " deprecated. Please use the v1 version instead.");
    }

    @Test
    void aVersionNoCrdDefinesAndADocumentWithoutKindAreRefused() {
        ValidationReport report = VALIDATOR.validate(ManifestValidator.readDocuments("""
                apiVersion: kafka.strimzi.io/v1beta1
                kind: Kafka
                metadata: {name: streamcast}
                spec: {}
                ---
                apiVersion: v1
                metadata: {name: orphan}
                """));

        assertThat(report.errors()).containsExactly(
                "Kafka/streamcast: (root): no schema for kafka.strimzi.io/v1beta1 Kafka",
                "document 2: (root): expected string apiVersion and kind, got apiVersion string \"v1\" and kind null");
    }

    @Test
    void aDocumentThatIsAListStaysOneDocumentAndIsRefused() {
        List<JsonNode> documents = ManifestValidator.readDocuments("- apiVersion: v1\n- kind: ConfigMap\n");

        assertThat(documents).hasSize(1);
        assertThat(VALIDATOR.validate(documents).errors()).containsExactly("document 1: (root): expected object, got array");
    }

    @Test
    void aYamlSyntaxErrorNamesItsLine() {
        assertThatThrownBy(() -> ManifestValidator.readDocuments("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: a
                data: {}
                """))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("manifest:4:");
    }

    @Test
    void aSyntaxErrorInAFileNamesTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("kafka.yaml");
        Files.writeString(file, "apiVersion: v1\nkind: [ConfigMap\n");

        assertThatThrownBy(() -> ManifestValidator.readDocuments(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(file + ":2:").hasMessageContaining("kind: [ConfigMap");
    }

    @Test
    void aDuplicateKeyIsRefusedAsStrictValidationRefusesIt() {
        assertThatThrownBy(() -> ManifestValidator.readDocuments("""
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: a}
                data: {k: one}
                data: {k: two}
                """))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Duplicate field 'data'");
    }
}
