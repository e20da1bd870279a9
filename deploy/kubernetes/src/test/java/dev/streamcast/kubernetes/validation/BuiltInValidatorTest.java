package dev.streamcast.kubernetes.validation;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BuiltInValidatorTest {

    private static final BuiltInValidator BUILT_INS = BuiltInValidator.fromClassPath();

    private static final String STATEFUL_SET = """
            apiVersion: apps/v1
            kind: StatefulSet
            metadata:
              name: forecaster
              namespace: streamcast
              labels:
                app.kubernetes.io/name: forecaster
                app.kubernetes.io/part-of: streamcast
            spec:
              serviceName: forecaster
              replicas: 2
              podManagementPolicy: Parallel
              selector:
                matchLabels:
                  app.kubernetes.io/name: forecaster
              template:
                metadata:
                  labels:
                    app.kubernetes.io/name: forecaster
                  annotations:
                    prometheus.io/scrape: "true"
                spec:
                  serviceAccountName: forecaster
                  terminationGracePeriodSeconds: 30
                  securityContext:
                    runAsNonRoot: true
                    runAsUser: 185
                    fsGroup: 185
                    seccompProfile: {type: RuntimeDefault}
                  containers:
                    - name: forecaster
                      image: ghcr.io/streamcast/forecaster:0.1.0
                      imagePullPolicy: IfNotPresent
                      args: ["--state-dir", "/var/lib/streamcast"]
                      ports:
                        - {name: http, containerPort: 8080, protocol: TCP}
                      env:
                        - {name: KAFKA_BOOTSTRAP_SERVERS, value: "streamcast-kafka-bootstrap:9092"}
                        - name: POD_NAME
                          valueFrom: {fieldRef: {fieldPath: metadata.name}}
                      resources:
                        requests: {cpu: 500m, memory: 1Gi}
                        limits: {cpu: 2, memory: 1536Mi, ephemeral-storage: 2G}
                      readinessProbe:
                        httpGet: {path: /q/health/ready, port: http}
                        periodSeconds: 5
                        failureThreshold: 3
                      livenessProbe:
                        httpGet: {path: /q/health/live, port: 8080}
                        initialDelaySeconds: 20
                      startupProbe:
                        tcpSocket: {port: http}
                        failureThreshold: 30
                      securityContext:
                        allowPrivilegeEscalation: false
                        readOnlyRootFilesystem: true
                        capabilities: {drop: [ALL]}
                      volumeMounts:
                        - {name: state, mountPath: /var/lib/streamcast}
                        - {name: tmp, mountPath: /tmp}
                  volumes:
                    - name: tmp
                      emptyDir: {sizeLimit: 256Mi}
              volumeClaimTemplates:
                - metadata:
                    name: state
                  spec:
                    accessModes: [ReadWriteOnce]
                    storageClassName: standard
                    resources:
                      requests: {storage: 10Gi}
            """;

    @Test
    void aStatefulSetWithProbesResourcesSecurityContextAndClaimTemplatesPasses() {
        assertThat(validate(STATEFUL_SET)).isEqualTo(ValidationReport.EMPTY);
    }

    @Test
    void aMisspelledProbeIsAnUnknownFieldAtItsPath() {
        ValidationReport report = validate(STATEFUL_SET.replace("readinessProbe:", "readinesProbe:"));

        assertThat(report.errors()).containsExactly("spec.template.spec.containers[0].readinesProbe: unknown field");
    }

    @Test
    void everyTypeMismatchIsReportedNotOnlyTheFirstInTheDocumentsOrder() {
        ValidationReport report = validate(STATEFUL_SET
                .replace("replicas: 2", "replicas: \"2\"")
                .replace("runAsNonRoot: true", "runAsNonRoot: \"yes\"")
                .replace("containerPort: 8080", "containerPort: 8080.5")
                .replace("value: \"streamcast-kafka-bootstrap:9092\"", "value: 9092")
                .replace("app.kubernetes.io/part-of: streamcast", "version: 1"));

        assertThat(report.errors()).containsExactly(
                "metadata.labels.version: expected string, got integer 1",
                "spec.replicas: expected integer, got string \"2\"",
                "spec.template.spec.securityContext.runAsNonRoot: expected boolean, got string \"yes\"",
                "spec.template.spec.containers[0].ports[0].containerPort: expected integer, got number 8080.5",
                "spec.template.spec.containers[0].env[0].value: expected string, got integer 9092");
    }

    @Test
    void unknownFieldsAndTypeMismatchesAreBothReportedInOneDocument() {
        ValidationReport report = validate(STATEFUL_SET.replace("replicas: 2", "replicas: two\n  replica: 2"));

        assertThat(report.errors()).containsExactly("spec.replicas: expected integer, got string \"two\"",
                "spec.replica: unknown field");
    }

    @Test
    void quantitiesAndIntOrStringsTakeBothFormsButNothingElse() {
        ValidationReport report = validate(STATEFUL_SET
                .replace("memory: 1Gi}", "memory: 1GB}")
                .replace("cpu: 2,", "cpu: {amount: 2},")
                .replace("port: 8080}", "port: [8080]}"));

        assertThat(report.errors()).containsExactly(
                "spec.template.spec.containers[0].livenessProbe.httpGet.port: expected integer or string, got array",
                "spec.template.spec.containers[0].resources.limits.cpu: expected a quantity such as \"500m\", \"1Gi\" or 2,"
                        + " got object",
                "spec.template.spec.containers[0].resources.requests.memory: expected a quantity such as \"500m\", \"1Gi\""
                        + " or 2, got string \"1GB\"");
    }

    @Test
    void aNumberBeyondTheGoTypesRangeIsRefused() {
        ValidationReport report = validate(STATEFUL_SET.replace("containerPort: 8080", "containerPort: 99999999999"));

        assertThat(report.errors()).containsExactly(
                "spec.template.spec.containers[0].ports[0].containerPort: expected integer (32-bit), got integer 99999999999");
    }

    @Test
    void aCronJobPasses() {
        assertThat(validate("""
                apiVersion: batch/v1
                kind: CronJob
                metadata: {name: trainer-nightly}
                spec:
                  schedule: "15 2 * * *"
                  timeZone: Etc/UTC
                  concurrencyPolicy: Forbid
                  successfulJobsHistoryLimit: 3
                  jobTemplate:
                    spec:
                      backoffLimit: 2
                      activeDeadlineSeconds: 7200
                      ttlSecondsAfterFinished: 86400
                      template:
                        spec:
                          restartPolicy: Never
                          containers:
                            - name: trainer
                              image: ghcr.io/streamcast/trainer:0.1.0
                              resources: {requests: {cpu: "1", memory: 4Gi}}
                """)).isEqualTo(ValidationReport.EMPTY);
    }

    @Test
    void aNetworkPolicyPasses() {
        assertThat(validate("""
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: forecaster}
                spec:
                  podSelector: {matchLabels: {app.kubernetes.io/name: forecaster}}
                  policyTypes: [Ingress, Egress]
                  ingress:
                    - from:
                        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}
                          podSelector: {matchLabels: {app.kubernetes.io/name: prometheus}}
                      ports: [{port: http, protocol: TCP}]
                  egress:
                    - to: [{podSelector: {matchLabels: {strimzi.io/cluster: streamcast}}}]
                      ports: [{port: 9092}, {port: 9093, endPort: 9094}]
                    - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}]
                """)).isEqualTo(ValidationReport.EMPTY);
    }

    @Test
    void aPodDisruptionBudgetPassesWithAPercentageOrACount() {
        String budget = """
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata: {name: forecaster}
                spec:
                  maxUnavailable: 25%
                  selector: {matchLabels: {app.kubernetes.io/name: forecaster}}
                """;

        assertThat(validate(budget)).isEqualTo(ValidationReport.EMPTY);
        assertThat(validate(budget.replace("maxUnavailable: 25%", "minAvailable: 1"))).isEqualTo(ValidationReport.EMPTY);
    }

    @Test
    void theCoreKindsStreamcastDeploysPass() {
        List<JsonNode> documents = ManifestValidator.readDocuments("""
                apiVersion: v1
                kind: Namespace
                metadata: {name: streamcast}
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: forecaster}
                spec:
                  clusterIP: None
                  selector: {app.kubernetes.io/name: forecaster}
                  ports: [{name: http, port: 80, targetPort: http}]
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: forecaster-config}
                data: {application.properties: "quarkus.http.port=8080\\n"}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: registry-credentials}
                type: Opaque
                stringData: {token: change-me}
                ---
                apiVersion: v1
                kind: ServiceAccount
                metadata: {name: forecaster}
                automountServiceAccountToken: false
                ---
                apiVersion: v1
                kind: PersistentVolumeClaim
                metadata: {name: model-registry}
                spec:
                  accessModes: [ReadWriteOnce]
                  resources: {requests: {storage: 5Gi}}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: ingest}
                spec:
                  replicas: 1
                  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
                  selector: {matchLabels: {app.kubernetes.io/name: ingest}}
                  template:
                    metadata: {labels: {app.kubernetes.io/name: ingest}}
                    spec:
                      containers: [{name: ingest, image: "ghcr.io/streamcast/ingest:0.1.0"}]
                ---
                apiVersion: batch/v1
                kind: Job
                metadata: {name: topics}
                spec:
                  template:
                    spec:
                      restartPolicy: OnFailure
                      containers: [{name: topics, image: "ghcr.io/streamcast/topics:0.1.0"}]
                """);

        assertThat(documents).hasSize(8);
        assertThat(documents).allSatisfy(document -> assertThat(BUILT_INS.validate(document)).isEqualTo(ValidationReport.EMPTY));
    }

    @Test
    void aKindTheModelDoesNotKnowHasNoSchema() {
        ValidationReport report = validate("""
                apiVersion: apps/v2
                kind: Foo
                metadata: {name: foo}
                """);

        assertThat(report.errors()).containsExactly("(root): no schema for apps/v2 Foo");
        assertThat(BUILT_INS.knows(GroupVersionKind.of("apps/v1", "StatefulSet"))).isTrue();
        assertThat(BUILT_INS.knows(GroupVersionKind.of("v1", "Service"))).isTrue();
    }

    @Test
    void aVersionTheModelStillHasButClustersNoLongerServeIsRefused() {
        ValidationReport report = validate("""
                apiVersion: policy/v1beta1
                kind: PodDisruptionBudget
                metadata: {name: forecaster}
                spec: {minAvailable: 1}
                """);

        assertThat(report.errors()).containsExactly("(root): policy/v1beta1 PodDisruptionBudget is removed in Kubernetes 1.25;"
                + " use policy/v1");
    }

    @Test
    void namesAndLabelsFollowTheApiServersRules() {
        ValidationReport report = validate("""
                apiVersion: v1
                kind: Service
                metadata:
                  name: 9-forecaster
                  namespace: Streamcast
                  labels:
                    app.kubernetes.io/name: forecaster-
                    example.com/a/b: x
                  annotations:
                    "-bad": x
                spec:
                  ports: [{port: 80}]
                """);

        assertThat(report.errors()).containsExactly(
                "metadata.name: \"9-forecaster\" is not a DNS-1035 label, as a Service name must be (lowercase letters, digits"
                        + " and '-', at most 63 characters)",
                "metadata.namespace: \"Streamcast\" is not a DNS-1123 label (lowercase letters, digits and '-', at most 63"
                        + " characters)",
                "metadata.labels[app.kubernetes.io/name]: label value \"forecaster-\" is not valid (at most 63 characters,"
                        + " alphanumeric at both ends, '-', '_' and '.' between)",
                "metadata.labels[example.com/a/b]: key \"example.com/a/b\" is not a qualified name (an optional DNS subdomain"
                        + " and '/', then at most 63 characters, alphanumeric at both ends, '-', '_' and '.' between)",
                "metadata.annotations[-bad]: key \"-bad\" is not a qualified name (an optional DNS subdomain and '/', then"
                        + " at most 63 characters, alphanumeric at both ends, '-', '_' and '.' between)");
    }

    @Test
    void aResourceWithoutANameIsRefused() {
        assertThat(validate("apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n").errors())
                .containsExactly("metadata.name: required field missing");
    }

    private static ValidationReport validate(String yaml) {
        return BUILT_INS.validate(ManifestValidator.readDocuments(yaml).get(0));
    }
}
