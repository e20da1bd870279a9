package dev.streamcast.kubernetes.validation;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CrdSchemasTest {

    private static final CrdSchemas CRDS = CrdSchemas.configured();

    @Test
    void everyYamlFileInTheSharedFolderDefinesAtLeastOneVersion() throws IOException {
        Path folder = Path.of(System.getProperty(CrdSchemas.FOLDER_PROPERTY));
        Set<Path> yamlFiles;
        try (Stream<Path> walk = Files.walk(folder)) {
            yamlFiles = walk.filter(f -> f.toString().endsWith(".yaml")).collect(Collectors.toCollection(TreeSet::new));
        }

        assertThat(yamlFiles).hasSize(9);
        assertThat(CRDS.sources()).isEqualTo(yamlFiles);
    }

    @Test
    void theKindsStreamcastDeploysAreFoundInTheVersionsItUses() {
        Set<String> kinds = CRDS.kinds().stream().map(GroupVersionKind::toString).collect(Collectors.toCollection(TreeSet::new));

        assertThat(kinds).contains(
                "kafka.strimzi.io/v1 Kafka", "kafka.strimzi.io/v1 KafkaNodePool", "kafka.strimzi.io/v1 KafkaTopic",
                "kafka.strimzi.io/v1 KafkaUser", "kafka.strimzi.io/v1beta2 Kafka", "kafka.strimzi.io/v1beta2 KafkaTopic",
                "keda.sh/v1alpha1 ScaledObject", "keda.sh/v1alpha1 TriggerAuthentication",
                "monitoring.coreos.com/v1 PrometheusRule", "monitoring.coreos.com/v1 PodMonitor",
                "monitoring.coreos.com/v1 ServiceMonitor");
        assertThat(kinds).hasSize(17);
    }

    @Test
    void strimzisV1IsServedAndItsV1beta2IsDeprecated() {
        GroupVersionKind v1 = GroupVersionKind.of("kafka.strimzi.io/v1", "KafkaTopic");
        GroupVersionKind v1beta2 = GroupVersionKind.of("kafka.strimzi.io/v1beta2", "KafkaTopic");

        assertThat(CRDS.served(v1)).isTrue();
        assertThat(CRDS.find(v1).orElseThrow().deprecationWarning()).isEmpty();
        assertThat(CRDS.served(v1beta2)).isTrue();
        assertThat(CRDS.find(v1beta2).orElseThrow().deprecationWarning())
                .contains("Version v1beta2 of the KafkaTopic API is deprecated. Please use the v1 version instead.");
        assertThat(CRDS.served(GroupVersionKind.of("kafka.strimzi.io/v1beta1", "Kafka"))).isFalse();
        assertThat(CRDS.schema(v1).orElseThrow().path("properties").path("spec").path("properties").path("partitions")
                .path("minimum").asInt()).isEqualTo(1);
    }

    @Test
    void everyPatternInTheCrdsCompilesAsAJavaRegex() {
        List<String> patterns = new ArrayList<>();
        CRDS.versions().forEach(version -> collectPatterns(version.schema(), patterns));

        assertThat(patterns).hasSizeGreaterThan(50);
        assertThat(patterns).allMatch(SchemaValidator::compiles);
    }

    @Test
    void onlyCustomResourceDefinitionsAreReadFromAFolder(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("LICENSE"), "Apache License\nVersion 2.0: not YAML: [\n");
        Files.createDirectories(dir.resolve("nested"));
        Files.writeString(dir.resolve("nested/widgets.yaml"), """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: not-a-crd
                ---
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata:
                  name: widgets.example.dev
                spec:
                  group: example.dev
                  names: {kind: Widget, plural: widgets}
                  scope: Namespaced
                  versions:
                  - name: v1
                    served: true
                    storage: true
                    schema:
                      openAPIV3Schema:
                        type: object
                        properties:
                          spec: {type: object, properties: {size: {type: integer}}}
                  - name: v0
                    served: false
                    storage: false
                    schema:
                      openAPIV3Schema: {type: object}
                """);

        CrdSchemas crds = CrdSchemas.load(dir);

        assertThat(crds.kinds()).containsExactlyInAnyOrder(GroupVersionKind.of("example.dev/v1", "Widget"),
                GroupVersionKind.of("example.dev/v0", "Widget"));
        assertThat(crds.served(GroupVersionKind.of("example.dev/v1", "Widget"))).isTrue();
        assertThat(crds.served(GroupVersionKind.of("example.dev/v0", "Widget"))).isFalse();
        assertThat(crds.sources()).containsExactly(dir.resolve("nested/widgets.yaml"));
    }

    @Test
    void aKindDefinedTwiceNamesBothFiles(@TempDir Path dir) throws IOException {
        String crd = """
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: widgets.example.dev}
                spec:
                  group: example.dev
                  names: {kind: Widget, plural: widgets}
                  versions:
                  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}
                """;
        Files.writeString(dir.resolve("a.yaml"), crd);
        Files.writeString(dir.resolve("b.yml"), crd);

        assertThatThrownBy(() -> CrdSchemas.load(dir))
                .hasMessage("example.dev/v1 Widget is defined in both " + dir.resolve("a.yaml") + " and " + dir.resolve("b.yml"));
    }

    private static void collectPatterns(JsonNode schema, List<String> patterns) {
        if (schema.isObject()) {
            if (schema.path("pattern").isTextual()) {
                patterns.add(schema.get("pattern").textValue());
            }
            // a property called "pattern" is an object there, not a regex, and is looked into like any other
            schema.properties().forEach(field -> collectPatterns(field.getValue(), patterns));
        } else if (schema.isArray()) {
            schema.forEach(item -> collectPatterns(item, patterns));
        }
    }
}
