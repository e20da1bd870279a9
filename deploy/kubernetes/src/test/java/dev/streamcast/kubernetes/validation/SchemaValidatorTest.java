package dev.streamcast.kubernetes.validation;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SchemaValidatorTest {

    private static final CrdSchemas CRDS = CrdSchemas.configured();

    private static final String TOPIC = """
            apiVersion: kafka.strimzi.io/v1
            kind: KafkaTopic
            metadata:
              name: features
              labels:
                strimzi.io/cluster: streamcast
            spec:
              partitions: 12
              replicas: 3
              config:
                retention.ms: 604800000
                cleanup.policy: delete
            """;

    @Test
    void aStrimziTopicWithFreeFormConfigPasses() {
        assertThat(validate(TOPIC)).isEqualTo(ValidationReport.EMPTY);
    }

    @Test
    void aStrimziUserWithAclsAndQuotasPasses() {
        ValidationReport report = validate("""
                apiVersion: kafka.strimzi.io/v1
                kind: KafkaUser
                metadata:
                  name: forecaster
                  labels:
                    strimzi.io/cluster: streamcast
                spec:
                  authentication:
                    type: tls
                  authorization:
                    type: simple
                    acls:
                      - resource: {type: topic, name: features, patternType: literal}
                        operations: [Read, Describe]
                        host: "*"
                      - resource: {type: group, name: forecaster, patternType: prefix}
                        operations: [Read]
                        type: allow
                      - resource: {type: topic, name: forecasts, patternType: literal}
                        operations: [Write, Describe]
                  quotas:
                    producerByteRate: 1048576
                    controllerMutationRate: 0.5
                """);

        assertThat(report).isEqualTo(ValidationReport.EMPTY);
    }

    @Test
    void aKedaScaledObjectPassesAndItsCelRuleIsListedAsUnchecked() {
        ValidationReport report = validate("""
                apiVersion: keda.sh/v1alpha1
                kind: ScaledObject
                metadata:
                  name: forecaster
                spec:
                  scaleTargetRef:
                    name: forecaster
                    kind: StatefulSet
                    apiVersion: apps/v1
                  minReplicaCount: 1
                  maxReplicaCount: 6
                  pollingInterval: 15
                  cooldownPeriod: 300
                  advanced:
                    horizontalPodAutoscalerConfig:
                      behavior:
                        scaleDown:
                          stabilizationWindowSeconds: 300
                          tolerance: "0.1"
                          policies:
                            - {type: Pods, value: 1, periodSeconds: 60}
                  triggers:
                    - type: kafka
                      metadata:
                        bootstrapServers: streamcast-kafka-bootstrap:9092
                        consumerGroup: forecaster
                        topic: features
                        lagThreshold: "1000"
                      authenticationRef:
                        name: forecaster-kafka
                """);

        assertThat(report.errors()).isEmpty();
        assertThat(report.unchecked()).containsExactly("spec: CEL rule not evaluated: !has(self.minReplicaCount) || "
                + "self.minReplicaCount <= (has(self.maxReplicaCount) ? self.maxReplicaCount : 100)"
                + " (minReplicaCount must be less than or equal to maxReplicaCount)");
    }

    @Test
    void aPrometheusRuleWithAlertsAndRecordingRulesPasses() {
        ValidationReport report = validate("""
                apiVersion: monitoring.coreos.com/v1
                kind: PrometheusRule
                metadata:
                  name: streamcast-alerts
                  labels:
                    release: prometheus
                spec:
                  groups:
                    - name: streamcast.forecaster
                      interval: 30s
                      rules:
                        - record: streamcast:forecast_latency_seconds:p99
                          expr: histogram_quantile(0.99, sum by (le) (rate(forecast_latency_seconds_bucket[5m])))
                        - alert: ForecasterLagging
                          expr: sum(kafka_consumergroup_lag{consumergroup="forecaster"}) > 10000
                          for: 10m
                          labels:
                            severity: warning
                          annotations:
                            summary: The forecaster is more than 10000 records behind.
                """);

        assertThat(report).isEqualTo(ValidationReport.EMPTY);
    }

    @Test
    void aServiceMonitorTakesANamedOrNumberedTargetPortButNotABoolean() {
        String monitor = """
                apiVersion: monitoring.coreos.com/v1
                kind: ServiceMonitor
                metadata: {name: ingest}
                spec:
                  selector: {matchLabels: {app.kubernetes.io/name: ingest}}
                  endpoints:
                    - {targetPort: http, path: /q/metrics}
                    - {targetPort: 9000}
                    - {targetPort: true}
                """;

        assertThat(validate(monitor).errors())
                .containsExactly("spec.endpoints[2].targetPort: expected integer or string, got boolean true");
    }

    @Test
    void anUnknownFieldUnderTheTopicsSpecIsNamed() {
        ValidationReport report = validate(TOPIC.replace("  replicas: 3", "  replicas: 3\n  retentionMs: 1000"));

        assertThat(report.errors()).containsExactly("spec.retentionMs: unknown field");
    }

    @Test
    void aStringWhereTheTopicNeedsAnIntegerIsNamedWithItsValue() {
        ValidationReport report = validate(TOPIC.replace("partitions: 12", "partitions: \"12\""));

        assertThat(report.errors()).containsExactly("spec.partitions: expected integer, got string \"12\"");
    }

    @Test
    void aTopicWithoutItsRequiredSpecIsRefused() {
        ValidationReport report = validate(TOPIC.substring(0, TOPIC.indexOf("spec:")));

        assertThat(report.errors()).containsExactly("spec: required field missing");
    }

    @Test
    void aValueOutsideTheTopicsEnumIsNamedWithTheAllowedValues() {
        ValidationReport report = validate(TOPIC + """
                status:
                  replicasChange: {targetReplicas: 3, state: done}
                """);

        assertThat(report.errors())
                .containsExactly("status.replicasChange.state: expected one of \"pending\", \"ongoing\", got string \"done\"");
    }

    @Test
    void aTopicBelowTheMinimumPartitionsOrAboveTheMaximumReplicasIsRefused() {
        ValidationReport report = validate(TOPIC.replace("partitions: 12", "partitions: 0").replace("replicas: 3", "replicas: 40000"));

        assertThat(report.errors()).containsExactly("spec.partitions: 0 is below the minimum 1",
                "spec.replicas: 40000 is above the maximum 32767");
    }

    @Test
    void aUserAclsMissingFieldAndBadOperationAreBothNamed() {
        ValidationReport report = validate("""
                apiVersion: kafka.strimzi.io/v1
                kind: KafkaUser
                metadata: {name: ingest}
                spec:
                  authorization:
                    type: simple
                    acls:
                      - resource: {name: sensor-readings}
                        operations: [Write, Publish]
                """);

        assertThat(report.errors()).containsExactly(
                "spec.authorization.acls[0].resource.type: required field missing",
                "spec.authorization.acls[0].operations[1]: expected one of \"Read\", \"Write\", \"Create\", \"Delete\","
                        + " \"Alter\", \"Describe\", \"ClusterAction\", \"AlterConfigs\", \"DescribeConfigs\","
                        + " \"IdempotentWrite\", \"All\", got string \"Publish\"");
    }

    @Test
    void kedaTriggerMetadataValuesMustBeStrings() {
        ValidationReport report = validate("""
                apiVersion: keda.sh/v1alpha1
                kind: ScaledObject
                metadata: {name: forecaster}
                spec:
                  scaleTargetRef: {name: forecaster}
                  triggers:
                    - type: kafka
                      metadata: {topic: features, lagThreshold: 1000}
                """);

        assertThat(report.errors()).containsExactly("spec.triggers[0].metadata.lagThreshold: expected string, got integer 1000");
    }

    @Test
    void aRequiredFieldWithADefaultIsNotMissingAndANonNullableNullIsDropped() {
        // KEDA's fallback.behavior has default "static"; spec.minReplicaCount: null is pruned as the API server prunes it
        ValidationReport report = validate("""
                apiVersion: keda.sh/v1alpha1
                kind: ScaledObject
                metadata: {name: forecaster}
                spec:
                  scaleTargetRef: {name: forecaster}
                  minReplicaCount: null
                  fallback: {failureThreshold: 3, replicas: 2}
                  triggers:
                    - {type: cpu, metricType: Utilization, metadata: {value: "60"}}
                """);

        assertThat(report.errors()).isEmpty();
    }

    @Test
    void aRequiredFieldSetToNullIsMissing() {
        ValidationReport report = validate("""
                apiVersion: keda.sh/v1alpha1
                kind: ScaledObject
                metadata: {name: forecaster}
                spec:
                  scaleTargetRef: {name: forecaster}
                  triggers: null
                """);

        assertThat(report.errors()).containsExactly("spec.triggers: required field missing");
    }

    @Test
    void strimziEnvNeedsExactlyOneOfValueAndValueFrom() {
        String pool = """
                apiVersion: kafka.strimzi.io/v1
                kind: KafkaNodePool
                metadata: {name: brokers, labels: {strimzi.io/cluster: streamcast}}
                spec:
                  replicas: 3
                  roles: [broker]
                  storage: {type: ephemeral}
                  template:
                    kafkaContainer:
                      env:
                        - {name: A, value: "1"}
                        - {name: B, valueFrom: {secretKeyRef: {name: s, key: k}}}
                        - {name: C, value: "1", valueFrom: {configMapKeyRef: {name: c, key: k}}}
                        - {name: D}
                """;

        assertThat(validate(pool).errors()).containsExactly(
                "spec.template.kafkaContainer.env[2]: matches 2 of the oneOf alternatives"
                        + " [{\"properties\":{\"value\":{}},\"required\":[\"value\"]},"
                        + "{\"properties\":{\"valueFrom\":{}},\"required\":[\"valueFrom\"]}], expected exactly one",
                "spec.template.kafkaContainer.env[3]: matches none of the oneOf alternatives:"
                        + " (1) spec.template.kafkaContainer.env[3].value: required field missing"
                        + " (2) spec.template.kafkaContainer.env[3].valueFrom: required field missing");
    }

    @Test
    void duplicateRuleGroupNamesAreRefusedAsTheListIsAMapKeyedByName() {
        ValidationReport report = validate("""
                apiVersion: monitoring.coreos.com/v1
                kind: PrometheusRule
                metadata: {name: streamcast-alerts}
                spec:
                  groups:
                    - {name: streamcast, rules: [{record: a, expr: "1"}]}
                    - {name: streamcast, rules: [{record: b, expr: "2"}]}
                    - {name: "", interval: 30 seconds, rules: [{alert: C}]}
                """);

        assertThat(report.errors()).containsExactly(
                "spec.groups[2].name: string \"\" has 0 characters, expected at least 1",
                "spec.groups[2].interval: string \"30 seconds\" does not match the pattern"
                        + " ^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$",
                "spec.groups[2].rules[0].expr: required field missing",
                "spec.groups[1]: duplicate entry for key [\"name\"] = [\"streamcast\"], already at [0]");
    }

    @Test
    void aCustomResourcesMetadataIsValidatedAsObjectMeta() {
        ValidationReport report = validate(TOPIC.replace("  labels:", "  lables: {a: b}\n  labels:")
                .replace("name: features", "name: Features_v1"));

        assertThat(report.errors()).containsExactly("metadata.lables: unknown field",
                "metadata.name: \"Features_v1\" is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.',"
                        + " at most 253 characters)");
    }

    @Test
    void aWrongTypeIsReportedOnceAndItsContentsAreNotSearched() {
        ValidationReport report = validate(TOPIC.replace("  config:\n    retention.ms: 604800000\n    cleanup.policy: delete",
                "  config: [retention.ms]"));

        assertThat(report.errors()).containsExactly("spec.config: expected object, got array");
    }

    @Test
    void schemaKeywordsTheseCrdsDoNotUseAreCheckedToo() {
        JsonNode schema = ManifestValidator.readDocuments("""
                type: object
                properties:
                  spec:
                    type: object
                    additionalProperties: false
                    properties:
                      ratio: {type: number, minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true}
                      code: {type: string, maxLength: 3}
                      tags: {type: array, maxItems: 2, x-kubernetes-list-type: set, items: {type: string}}
                      count: {type: integer, multipleOf: 5, nullable: true}
                      mode: {type: string, not: {enum: [legacy]}}
                      either: {type: object, anyOf: [{required: [a]}, {required: [b]}],
                               properties: {a: {type: string}, b: {type: string}}}
                      extra: {type: object, additionalProperties: true}
                """).get(0);
        JsonNode resource = ManifestValidator.readDocuments("""
                apiVersion: example.dev/v1
                kind: Widget
                metadata: {name: w}
                spec:
                  ratio: 1
                  code: abcd
                  tags: [x, y, x]
                  count: null
                  mode: legacy
                  either: {}
                  extra: {anything: [1, 2]}
                  other: 1
                """).get(0);

        assertThat(SchemaValidator.validate(resource, schema).errors()).containsExactly(
                "spec.ratio: 1 is above the maximum (exclusive) 1",
                "spec.code: string \"abcd\" has 4 characters, expected at most 3",
                "spec.tags: has 3 items, expected at most 2",
                "spec.tags[2]: duplicate value string \"x\", already at [0]",
                "spec.mode: matches the schema it must not match: {\"enum\":[\"legacy\"]}",
                "spec.either: matches none of the anyOf alternatives: (1) spec.either.a: required field missing"
                        + " (2) spec.either.b: required field missing",
                "spec.other: unknown field (the schema allows no other fields)");
    }

    @Test
    void integralFloatsAreIntegersAndFractionsAreNot() {
        JsonNode schema = ManifestValidator.readDocuments("{type: object, properties: {n: {type: integer}}}").get(0);

        assertThat(SchemaValidator.validate(ManifestValidator.readDocuments("{metadata: {name: a}, n: 3.0}").get(0), schema)
                .errors()).isEmpty();
        assertThat(SchemaValidator.validate(ManifestValidator.readDocuments("{metadata: {name: a}, n: 3.5}").get(0), schema)
                .errors()).containsExactly("n: expected integer, got number 3.5");
    }

    private static ValidationReport validate(String yaml) {
        List<JsonNode> documents = ManifestValidator.readDocuments(yaml);
        JsonNode resource = documents.get(0);
        GroupVersionKind kind = GroupVersionKind.of(resource.path("apiVersion").asText(), resource.path("kind").asText());
        return SchemaValidator.validate(resource, CRDS.schema(kind).orElseThrow());
    }
}
