package dev.streamcast.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamcast.contracts.topics.TopicSpec;
import dev.streamcast.contracts.topics.Topics;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a schema cannot say about each rendered overlay: the manifests agree with the contracts'
 * topics, with the services' own settings (application ids, ports, close timeout) and with each
 * other (replicas against partitions, the Secrets they read, the images they run).
 */
class DeploymentSemanticsTest {

    /** The stream services, the input topics whose partitions bound their pods, and their Kafka users. */
    private static final Map<String, List<TopicSpec>> INPUTS = Map.of(
            "ingest", List.of(Topics.SENSOR_READINGS, Topics.TEXT_EVENTS),
            "forecaster", List.of(Topics.FEATURES));
    private static final Set<String> HEALTH_PATHS = Set.of("/q/health/live", "/q/health/ready", "/q/health/started");

    static List<String> overlays() {
        return Overlays.NAMES;
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyContractTopicIsAKafkaTopicWithTheContractsPartitionsAndRetention(String overlay) throws Exception {
        List<JsonNode> docs = Overlays.render(overlay);
        int brokers = brokers(docs);
        for (TopicSpec spec : Topics.ALL) {
            JsonNode topic = Overlays.named(docs, "KafkaTopic", spec.name()).path("spec");
            String where = overlay + " KafkaTopic " + spec.name();
            assertThat(topic.path("partitions").asInt()).as(where + " partitions").isEqualTo(spec.partitions());
            JsonNode config = topic.path("config");
            assertThat(config.path("cleanup.policy").asText()).as(where + " cleanup.policy")
                    .isEqualTo(spec.compacted() ? "compact" : "delete");
            if (!spec.compacted()) {
                // ingest accepts readings up to ingest.timestamps.max-past (P6D) old: a replay must still find them
                assertThat(Duration.ofMillis(config.path("retention.ms").asLong())).as(where + " retention")
                        .isEqualTo(TopicSpec.RETENTION).isGreaterThan(Duration.ofDays(6));
            }
            int replicas = topic.path("replicas").asInt();
            assertThat(replicas).as(where + " replicas against " + brokers + " brokers").isBetween(1, brokers);
            assertThat(config.path("min.insync.replicas").asInt()).as(where + " min ISR")
                    .isBetween(1, replicas).isEqualTo(replicas > 1 ? replicas - 1 : 1);
        }
        assertThat(Overlays.ofKind(docs, "KafkaTopic")).as("no KafkaTopic outside the contracts").hasSize(Topics.ALL.size());
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void neverMorePodsThanTheInputTopicsHavePartitions(String overlay) throws Exception {
        List<JsonNode> docs = Overlays.render(overlay);
        INPUTS.forEach((service, inputs) -> {
            int partitions = inputs.stream().mapToInt(TopicSpec::partitions).min().orElseThrow();
            JsonNode set = Overlays.named(docs, "StatefulSet", service);
            JsonNode scaled = Overlays.named(docs, "ScaledObject", service).path("spec");
            String where = overlay + " " + service;
            assertThat(set.path("spec").path("replicas").asInt()).as(where + " replicas").isBetween(1, partitions);
            assertThat(scaled.path("maxReplicaCount").asInt()).as(where + " maxReplicaCount").isBetween(1, partitions);
            assertThat(scaled.path("minReplicaCount").asInt()).as(where + " minReplicaCount")
                    .isBetween(1, scaled.path("maxReplicaCount").asInt());
            assertThat(scaled.path("scaleTargetRef").path("kind").asText()).isEqualTo("StatefulSet");
            assertThat(scaled.path("scaleTargetRef").path("name").asText()).isEqualTo(service);
            String group = ServiceConfig.of(service, docs).applicationId();
            Set<String> topics = new HashSet<>();
            for (JsonNode trigger : scaled.path("triggers")) {
                assertThat(trigger.path("metadata").path("consumerGroup").asText()).as(where + " consumer group").isEqualTo(group);
                assertThat(trigger.path("metadata").path("allowIdleConsumers").asText()).as(where + " idle consumers").isEqualTo("false");
                topics.add(trigger.path("metadata").path("topic").asText());
            }
            assertThat(topics).as(where + " scales on the lag of its input topics")
                    .containsExactlyInAnyOrderElementsOf(inputs.stream().map(TopicSpec::name).toList());
            // a scale-down waits longer than a Kafka Streams warm-up rebalance settles (minutes)
            assertThat(scaled.path("cooldownPeriod").asInt()).as(where + " cooldown").isGreaterThanOrEqualTo(300);
            assertThat(scaled.at("/advanced/horizontalPodAutoscalerConfig/behavior/scaleDown/stabilizationWindowSeconds").asInt())
                    .as(where + " scale-down stabilization").isGreaterThanOrEqualTo(300);
        });
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void kafkaUsersMayUseTheirApplicationsInternalTopicsGroupAndTransactionsAndNothingBroader(String overlay) throws Exception {
        List<JsonNode> docs = Overlays.render(overlay);
        for (String service : INPUTS.keySet()) {
            String id = ServiceConfig.of(service, docs).applicationId();
            JsonNode acls = Overlays.named(docs, "KafkaUser", "streamcast-" + service).at("/spec/authorization/acls");
            Set<String> prefixes = new HashSet<>();
            for (JsonNode acl : acls) {
                JsonNode r = acl.path("resource");
                if ("prefix".equals(r.path("patternType").asText())) {
                    prefixes.add(r.path("type").asText() + ":" + r.path("name").asText());
                    assertThat(r.path("name").asText()).as(overlay + " " + service + " prefix ACL").startsWith(id);
                }
                if (!"cluster".equals(r.path("type").asText())) {
                    assertThat(r.path("name").asText()).as(overlay + " " + service + " ACL names a resource").isNotBlank();
                }
            }
            assertThat(prefixes).as(overlay + " " + service + " prefix ACLs")
                    .containsExactlyInAnyOrder("topic:" + id + "-", "group:" + id, "transactionalId:" + id + "-");
            // the stream's group is its application id: the StatefulSet's pods use exactly that
            assertThat(id).isEqualTo("streamcast-" + service);
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void probesPointAtTheServicesHealthEndpointsOnTheirHttpPort(String overlay) throws Exception {
        List<JsonNode> docs = Overlays.render(overlay);
        for (String service : List.of("ingest", "forecaster", "registry")) {
            JsonNode workload = service.equals("registry") ? Overlays.named(docs, "Deployment", service)
                    : Overlays.named(docs, "StatefulSet", service);
            JsonNode container = workload.at("/spec/template/spec/containers/0");
            int port = ServiceConfig.of(service, docs).httpPort();
            assertThat(container.at("/ports/0/containerPort").asInt()).as(overlay + " " + service + " http port").isEqualTo(port);
            assertThat(container.at("/ports/0/name").asText()).isEqualTo("http");
            for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
                JsonNode get = container.path(probe).path("httpGet");
                assertThat(get.path("path").asText()).as(overlay + " " + service + " " + probe).isIn(HEALTH_PATHS);
                assertThat(get.path("port").asText()).as(overlay + " " + service + " " + probe + " port").isEqualTo("http");
            }
            assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/q/health/ready");
            assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/q/health/live");
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void streamPodsAreStaticMembersWithStateAndAGracePeriodLongerThanTheirClose(String overlay) throws Exception {
        List<JsonNode> docs = Overlays.render(overlay);
        for (String service : INPUTS.keySet()) {
            JsonNode set = Overlays.named(docs, "StatefulSet", service).path("spec");
            JsonNode pod = set.path("template").path("spec");
            ServiceConfig config = ServiceConfig.of(service, docs);
            String where = overlay + " " + service;
            assertThat(Duration.ofSeconds(pod.path("terminationGracePeriodSeconds").asLong())).as(where + " grace period")
                    .isGreaterThan(config.closeTimeout().plusSeconds(10));
            JsonNode env = pod.at("/containers/0/env");
            assertThat(env(env, "STREAMCAST_INSTANCE_ID").at("/valueFrom/fieldRef/fieldPath").asText()).as(where + " instance id")
                    .isEqualTo("metadata.name");
            String stateDir = env(env, "STREAMCAST_STATE_DIR").path("value").asText();
            String claim = set.at("/volumeClaimTemplates/0/metadata/name").asText();
            JsonNode mount = StreamSupport.stream(pod.at("/containers/0/volumeMounts").spliterator(), false)
                    .filter(m -> m.path("name").asText().equals(claim)).findFirst().orElseThrow();
            assertThat(stateDir).as(where + " state on its persistent volume").startsWith(mount.path("mountPath").asText() + "/");
            int replicas = Overlays.named(docs, "ScaledObject", service).at("/spec/maxReplicaCount").asInt();
            int standby = Integer.parseInt(config.get("kafka-streams.num.standby.replicas", "0"));
            assertThat(standby).as(where + " standby replicas need another pod").isLessThan(Math.max(replicas, 1));
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyContainerRunsAsNonRootOnAReadOnlyRootFileSystemWithLimits(String overlay) throws Exception {
        for (JsonNode pod : podSpecs(Overlays.render(overlay))) {
            for (JsonNode c : pod.path("containers")) {
                String where = overlay + " container " + c.path("name").asText();
                assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).as(where + " runAsNonRoot").isTrue();
                assertThat(c.at("/securityContext/readOnlyRootFilesystem").asBoolean()).as(where + " read-only root").isTrue();
                assertThat(c.at("/securityContext/allowPrivilegeEscalation").asBoolean(true)).as(where).isFalse();
                assertThat(c.at("/resources/requests/cpu").isMissingNode()).as(where + " cpu request").isFalse();
                assertThat(c.at("/resources/limits/memory").asText()).as(where + " memory limit")
                        .isEqualTo(c.at("/resources/requests/memory").asText());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everySecretReadIsMadeByStrimziTheKustomizationOrTheReadmesSetUp(String overlay) throws Exception {
        List<JsonNode> docs = Overlays.render(overlay);
        Set<String> made = new HashSet<>();
        Overlays.ofKind(docs, "KafkaUser").forEach(u -> made.add(u.at("/metadata/name").asText()));
        Overlays.ofKind(docs, "Kafka").forEach(k -> made.add(k.at("/metadata/name").asText() + "-cluster-ca-cert"));
        Overlays.ofKind(docs, "Secret").forEach(s -> made.add(s.at("/metadata/name").asText()));
        String readme = Files.readString(Overlays.root().resolve("deploy/README.md"));
        List<String> missing = new ArrayList<>();
        for (String secret : secretsRead(docs)) {
            if (!made.contains(secret) && !readme.contains("kubectl -n streamcast create secret generic " + secret)) {
                missing.add(secret);
            }
        }
        assertThat(missing).as(overlay + ": Secrets read but made by nothing (and not in deploy/README.md's set-up)").isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyStreamcastImageHasADockerfile(String overlay) throws Exception {
        Map<String, Path> dockerfiles = Map.of(
                "streamcast/ingest", Path.of("ingest/src/main/docker/Dockerfile.jvm"),
                "streamcast/forecaster", Path.of("forecaster/src/main/docker/Dockerfile.jvm"),
                "streamcast/registry", Path.of("model-registry/service/src/main/docker/Dockerfile.jvm"),
                "streamcast/trainer", Path.of("trainer/src/main/docker/Dockerfile"));
        Set<String> images = new HashSet<>();
        for (JsonNode pod : podSpecs(Overlays.render(overlay))) {
            pod.path("containers").forEach(c -> images.add(c.path("image").asText().replaceFirst(":[^:/]+$", "")));
        }
        images.removeIf(i -> !i.startsWith("streamcast/"));
        assertThat(images).containsExactlyInAnyOrderElementsOf(dockerfiles.keySet());
        for (Path file : dockerfiles.values()) {
            String text = Files.readString(Overlays.root().resolve(file));
            assertThat(text).as(file + " runs as the unprivileged user").contains("USER 185");
        }
    }

    private static int brokers(List<JsonNode> docs) {
        int n = 0;
        for (JsonNode pool : Overlays.ofKind(docs, "KafkaNodePool")) {
            for (JsonNode role : pool.at("/spec/roles")) {
                if (role.asText().equals("broker")) {
                    n += pool.at("/spec/replicas").asInt();
                }
            }
        }
        return n;
    }

    private static JsonNode env(JsonNode env, String name) {
        for (JsonNode e : env) {
            if (e.path("name").asText().equals(name)) {
                return e;
            }
        }
        throw new AssertionError("no env " + name);
    }

    /** The pod spec of every workload: Deployments, StatefulSets and the CronJob's job template. */
    static List<JsonNode> podSpecs(List<JsonNode> docs) {
        List<JsonNode> pods = new ArrayList<>();
        for (JsonNode d : docs) {
            switch (d.path("kind").asText()) {
                case "Deployment", "StatefulSet" -> pods.add(d.at("/spec/template/spec"));
                case "CronJob" -> pods.add(d.at("/spec/jobTemplate/spec/template/spec"));
                default -> {
                }
            }
        }
        return pods;
    }

    /** Names of the Secrets read by env, volumes and KEDA's TriggerAuthentications. */
    private static Set<String> secretsRead(List<JsonNode> docs) {
        Set<String> names = new HashSet<>();
        for (JsonNode pod : podSpecs(docs)) {
            for (JsonNode c : pod.path("containers")) {
                c.path("env").forEach(e -> {
                    JsonNode ref = e.at("/valueFrom/secretKeyRef/name");
                    if (!ref.isMissingNode()) {
                        names.add(ref.asText());
                    }
                });
            }
            pod.path("volumes").forEach(v -> {
                JsonNode ref = v.at("/secret/secretName");
                if (!ref.isMissingNode()) {
                    names.add(ref.asText());
                }
            });
        }
        Overlays.ofKind(docs, "TriggerAuthentication")
                .forEach(t -> t.at("/spec/secretTargetRef").forEach(r -> names.add(r.path("name").asText())));
        return names;
    }
}
