package dev.streamcast.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamcast.contracts.kafka.KafkaClientEnvironment;
import dev.streamcast.contracts.topics.TopicSpec;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.trainer.service.Runs;
import dev.streamcast.trainer.service.TrainerServiceConfig;
import io.smallrye.config.WithDefault;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
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
        for (String service : List.of("ingest", "forecaster", "registry", "trainer")) {
            JsonNode workload = INPUTS.containsKey(service) ? Overlays.named(docs, "StatefulSet", service)
                    : Overlays.named(docs, "Deployment", service);
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
                "streamcast/trainer", Path.of("trainer/src/main/docker/Dockerfile.jvm"));
        Set<String> images = new HashSet<>();
        for (JsonNode pod : podSpecs(Overlays.render(overlay))) {
            pod.path("containers").forEach(c -> images.add(c.path("image").asText().replaceFirst(":[^:/]+$", "")));
        }
        images.removeIf(i -> !i.startsWith("streamcast/"));
        assertThat(images).containsExactlyInAnyOrderElementsOf(dockerfiles.keySet());
        List<String> missing = new ArrayList<>();
        for (Path file : dockerfiles.values()) {
            if (!Files.isRegularFile(Overlays.root().resolve(file))) {
                missing.add(file.toString());
                continue;
            }
            String text = Files.readString(Overlays.root().resolve(file));
            assertThat(text).as(file + " runs as the unprivileged user").contains("USER 185");
            // every image is a Quarkus service: its JVM layout, started by run-java.sh from quarkus-run.jar
            assertThat(text).as(file + " runs the Quarkus application").contains("target/quarkus-app/")
                    .contains("JAVA_APP_JAR=\"/deployments/quarkus-run.jar\"");
        }
        // the trainer's image is the trainer service, a Quarkus application built as the others are (its module's
        // Dockerfile builds the train command, which no manifest runs)
        assertThat(missing).as("Dockerfiles of the images the manifests run").isEmpty();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theTrainerIsOneServicePodRecreatedOnChangeBehindItsService(String overlay) throws Exception {
        List<JsonNode> docs = Overlays.render(overlay);
        assertThat(Overlays.ofKind(docs, "CronJob")).as(overlay + ": the trainer service replaced the CronJob").isEmpty();
        JsonNode trainer = Overlays.named(docs, "Deployment", "trainer").path("spec");
        // one run at a time and one live comparison: a second pod would train and decide twice
        assertThat(trainer.path("replicas").asInt()).as(overlay + " trainer replicas").isEqualTo(1);
        assertThat(trainer.at("/strategy/type").asText()).as(overlay + " trainer strategy").isEqualTo("Recreate");
        JsonNode labels = trainer.at("/template/metadata/labels");
        assertThat(selects(trainer.path("selector"), labels)).as(overlay + " the Deployment selects its pods").isTrue();
        assertThat(labels.path("app.kubernetes.io/component").asText()).isEqualTo("trainer");

        JsonNode service = Overlays.named(docs, "Service", "trainer").path("spec");
        assertThat(selects(service, labels)).as(overlay + " the Service selects the trainer's pods").isTrue();
        assertThat(service.at("/ports/0/port").asInt()).as(overlay + " trainer Service port")
                .isEqualTo(ServiceConfig.of("trainer", docs).httpPort()).isEqualTo(8084);
        assertThat(service.at("/ports/0/targetPort").asText()).isEqualTo("http");

        JsonNode pod = trainer.path("template").path("spec");
        assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).as(overlay + " no service-account token").isFalse();
        assertThat(pod.at("/securityContext/runAsUser").asInt()).isEqualTo(185);
        assertThat(pod.at("/securityContext/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
        JsonNode container = pod.at("/containers/0");
        assertThat(container.at("/securityContext/capabilities/drop")).extracting(JsonNode::asText).containsExactly("ALL");
        for (String dir : List.of("/tmp", env(container.path("env"), "TRAINER_RUN_OUT").path("value").asText(),
                env(container.path("env"), "DJL_CACHE_DIR").path("value").asText())) {
            JsonNode mount = mountOf(container, dir);
            assertThat(mount.path("readOnly").asBoolean(false)).as(overlay + " " + dir + " writable").isFalse();
            assertThat(volume(pod, mount.path("name").asText()).has("emptyDir")).as(overlay + " " + dir + " on an emptyDir").isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyTrainerVariableIsASettingTheTrainerServiceReads(String overlay) throws Exception {
        List<JsonNode> docs = Overlays.render(overlay);
        JsonNode env = Overlays.named(docs, "Deployment", "trainer").at("/spec/template/spec/containers/0/env");
        Map<String, String> settings = new HashMap<>();
        ServiceConfig.settings(TrainerServiceConfig.class).forEach(s -> settings.put(ServiceConfig.environmentVariable(s), s));
        Map<String, String> kafka = new HashMap<>();
        for (JsonNode e : env) {
            String name = e.path("name").asText();
            if (name.startsWith("TRAINER_")) {
                assertThat(settings).as(overlay + ": " + name + " is no setting of the trainer service").containsKey(name);
            } else if (name.startsWith(KafkaClientEnvironment.PREFIX)) {
                kafka.put(name, "set");
            }
        }
        // every KAFKA_* variable reaches the consumers as a client setting, none is silently dropped
        assertThat(KafkaClientEnvironment.consumer(kafka)).as(overlay + " Kafka client settings").hasSize(kafka.size())
                .containsKeys("bootstrap.servers", "security.protocol", "sasl.mechanism", "sasl.jaas.config",
                        "ssl.truststore.type", "ssl.truststore.location");
        assertThat(env(env, "KAFKA_SASL_JAAS_CONFIG").at("/valueFrom/secretKeyRef/name").asText()).as(overlay + " Kafka user")
                .isEqualTo("streamcast-trainer");
        assertThat(env(env, "KAFKA_BOOTSTRAP_SERVERS").path("value").asText()).as(overlay + " the TLS listener")
                .isEqualTo(Overlays.named(docs, "Kafka", "streamcast").at("/metadata/name").asText() + "-kafka-bootstrap:"
                        + Overlays.named(docs, "Kafka", "streamcast").at("/spec/kafka/listeners/0/port").asInt());

        // the model the forecasters serve, at the registry's Service, retrained daily
        assertThat(env(env, "TRAINER_MODEL").path("value").asText()).as(overlay + " the trainer's model")
                .isEqualTo(ServiceConfig.of("forecaster", docs).get("forecaster.model.name", null));
        assertThat(env(env, "TRAINER_REGISTRY_URL").path("value").asText()).as(overlay + " the registry")
                .isEqualTo("http://registry:" + Overlays.named(docs, "Service", "registry").at("/spec/ports/0/port").asInt());
        assertThat(Duration.parse("PT" + env(env, "TRAINER_SCHEDULE_EVERY").path("value").asText().toUpperCase(Locale.ROOT)))
                .as(overlay + " retrained daily").isEqualTo(Duration.ofDays(1));
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theTrainersTokensAreTheRegistrysWriteTokenMountedReadOnly(String overlay) throws Exception {
        List<JsonNode> docs = Overlays.render(overlay);
        JsonNode trainer = Overlays.named(docs, "Deployment", "trainer").at("/spec/template/spec");
        JsonNode registry = Overlays.named(docs, "Deployment", "registry").at("/spec/template/spec");
        String accepted = secretFile(registry, env(registry.at("/containers/0/env"), "REGISTRY_AUTH_TOKEN_FILE").path("value").asText());
        assertThat(accepted).isEqualTo("streamcast-registry-tokens/write");
        for (String variable : List.of("TRAINER_REGISTRY_TOKEN_FILE", "TRAINER_AUTH_TOKEN_FILE")) {
            String file = env(trainer.at("/containers/0/env"), variable).path("value").asText();
            // the token the registry accepts for writes: the trainer publishes with it, and it starts runs
            assertThat(secretFile(trainer, file)).as(overlay + " " + variable + " " + file).isEqualTo(accepted);
            assertThat(mountOf(trainer.at("/containers/0"), file).path("readOnly").asBoolean()).as(overlay + " " + file + " read-only")
                    .isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theTrainersRunOptionsAreOnesTheServiceTakes(String overlay) throws Exception {
        List<JsonNode> docs = Overlays.render(overlay);
        JsonNode env = Overlays.named(docs, "Deployment", "trainer").at("/spec/template/spec/containers/0/env");
        String options = env(env, "TRAINER_RUN_OPTIONS").path("value").asText();
        String baselines = StreamSupport.stream(env.spliterator(), false)
                .filter(e -> e.path("name").asText().equals("TRAINER_RUN_BASELINES")).map(e -> e.path("value").asText()).findFirst()
                .orElse(TrainerServiceConfig.Run.class.getMethod("baselines").getAnnotation(WithDefault.class).value());
        // the service's own check at start (Runs.options): none of the options it sets itself, every option one of the
        // train command's, each with a value
        Method check = Runs.class.getDeclaredMethod("options", String.class, List.class);
        check.setAccessible(true);
        List<String> args;
        try {
            @SuppressWarnings("unchecked")
            List<String> parsed = (List<String>) check.invoke(null, options, List.of(baselines.split(",")));
            args = parsed;
        } catch (InvocationTargetException e) {
            throw new AssertionError(overlay + ": the trainer service refuses TRAINER_RUN_OPTIONS=" + options + ": "
                    + e.getCause().getMessage(), e.getCause());
        }
        // the same rule for the --name=value form, which that check does not see
        Field own = Runs.class.getDeclaredField("OWN_OPTIONS");
        own.setAccessible(true);
        Set<String> ownOptions = new HashSet<>();
        ((Set<?>) own.get(null)).forEach(o -> ownOptions.add(o.toString()));
        for (String token : options.strip().split("\\s+")) {
            assertThat(ownOptions).as(overlay + " TRAINER_RUN_OPTIONS sets " + token + ", which the service sets itself")
                    .doesNotContain(token.replaceFirst("=.*", ""));
        }
        assertThat(value(args, "--mode")).isEqualTo("S");
        assertThat(value(args, "--target")).as(overlay + " the target: a feature ingest writes").endsWith(".mean");
        assertThat(value(args, "--arch").split(",")).as(overlay + " architectures, the baselines added")
                .containsExactly("dlinear", "gru", "lstm", "last-value", "seasonal-naive");
        assertThat(value(args, "--lookback")).isEqualTo("24");
        assertThat(value(args, "--horizon")).isEqualTo("12");
        assertThat(value(args, "--quantiles")).isEqualTo("0.1,0.9");
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theTrainersKafkaUserReadsTheTopicsTheServiceReadsWithoutAGroup(String overlay) throws Exception {
        List<JsonNode> docs = Overlays.render(overlay);
        JsonNode acls = Overlays.named(docs, "KafkaUser", "streamcast-trainer").at("/spec/authorization/acls");
        Map<String, List<String>> granted = new HashMap<>();
        for (JsonNode acl : acls) {
            JsonNode r = acl.path("resource");
            assertThat(r.path("type").asText()).as(overlay + " trainer ACL " + acl + ": topics only (no group, no transactions)")
                    .isEqualTo("topic");
            assertThat(r.path("patternType").asText()).as(overlay + " trainer ACL " + acl).isEqualTo("literal");
            List<String> operations = new ArrayList<>();
            acl.path("operations").forEach(o -> operations.add(o.asText()));
            granted.put(r.path("name").asText(), operations);
        }
        // the runs: features and the specs that name them; the live comparison: actuals, champion's and challenger's forecasts
        assertThat(granted.keySet()).as(overlay + " topics the trainer may read").containsExactlyInAnyOrder(
                Topics.FEATURES.name(), Topics.FEATURE_SPECS.name(), Topics.FORECASTS.name(), Topics.FORECASTS_SHADOW.name());
        granted.forEach((topic, operations) -> assertThat(operations).as(overlay + " on " + topic)
                .containsExactlyInAnyOrder("Read", "Describe"));
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void theTrainerMayReachKafkasListenerAndTheRegistry(String overlay) throws Exception {
        List<JsonNode> docs = Overlays.render(overlay);
        JsonNode trainer = Overlays.named(docs, "Deployment", "trainer").at("/spec/template/metadata/labels");
        // Strimzi makes the listener's NetworkPolicy from its networkPolicyPeers
        JsonNode peers = Overlays.named(docs, "Kafka", "streamcast").at("/spec/kafka/listeners/0/networkPolicyPeers");
        assertThat(StreamSupport.stream(peers.spliterator(), false).anyMatch(p -> p.has("podSelector") && selects(p, trainer)))
                .as(overlay + ": the trainer's pod is a peer of Kafka's listener").isTrue();
        JsonNode registry = Overlays.named(docs, "Deployment", "registry").at("/spec/template/metadata/labels");
        boolean allowed = Overlays.ofKind(docs, "NetworkPolicy").stream()
                .filter(p -> selects(p.path("spec"), registry))
                .flatMap(p -> StreamSupport.stream(p.at("/spec/ingress").spliterator(), false))
                .flatMap(rule -> StreamSupport.stream(rule.path("from").spliterator(), false))
                .anyMatch(peer -> peer.has("podSelector") && !peer.has("namespaceSelector") && selects(peer, trainer));
        assertThat(allowed).as(overlay + ": a NetworkPolicy lets the trainer reach the registry").isTrue();
    }

    @ParameterizedTest
    @MethodSource("overlays")
    void everyServiceIsScrapedAsItsJobAndPrometheusMayReachIt(String overlay) throws Exception {
        List<JsonNode> docs = Overlays.render(overlay);
        JsonNode monitor = Overlays.named(docs, "PodMonitor", "streamcast").path("spec");
        assertThat(monitor.at("/podMetricsEndpoints/0/port").asText()).isEqualTo("http");
        assertThat(monitor.at("/podMetricsEndpoints/0/path").asText()).isEqualTo("/q/metrics");
        for (String service : List.of("ingest", "forecaster", "registry", "trainer")) {
            JsonNode workload = INPUTS.containsKey(service) ? Overlays.named(docs, "StatefulSet", service)
                    : Overlays.named(docs, "Deployment", service);
            JsonNode labels = workload.at("/spec/template/metadata/labels");
            assertThat(selects(monitor, labels)).as(overlay + " the PodMonitor scrapes " + service).isTrue();
            assertThat(labels.path("app.kubernetes.io/name").asText()).as(overlay + " job streamcast-" + service).isEqualTo(service);
            boolean reachable = Overlays.ofKind(docs, "NetworkPolicy").stream()
                    .filter(p -> selects(p.path("spec"), labels))
                    .flatMap(p -> StreamSupport.stream(p.at("/spec/ingress").spliterator(), false))
                    .filter(rule -> StreamSupport.stream(rule.path("ports").spliterator(), false)
                            .anyMatch(port -> port.path("port").asText().equals("http")))
                    .flatMap(rule -> StreamSupport.stream(rule.path("from").spliterator(), false))
                    .anyMatch(peer -> peer.at("/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").asText().equals("monitoring"));
            assertThat(reachable).as(overlay + ": a NetworkPolicy lets Prometheus (namespace monitoring) reach " + service
                    + "'s http port").isTrue();
        }
    }

    /** Whether {@code owner}'s {@code selector} (or, for a Service, its plain {@code selector} map) selects {@code labels}. */
    private static boolean selects(JsonNode owner, JsonNode labels) {
        JsonNode selector = owner.has("podSelector") ? owner.path("podSelector") : owner.path("selector");
        boolean labelSelector = selector.has("matchLabels") || selector.has("matchExpressions");
        for (Map.Entry<String, JsonNode> e : (labelSelector ? selector.path("matchLabels") : selector).properties()) {
            if (!labels.has(e.getKey()) || !labels.path(e.getKey()).asText().equals(e.getValue().asText())) {
                return false;
            }
        }
        for (JsonNode expression : selector.path("matchExpressions")) {
            JsonNode value = labels.path(expression.path("key").asText());
            Set<String> values = new HashSet<>();
            expression.path("values").forEach(v -> values.add(v.asText()));
            boolean ok = switch (expression.path("operator").asText()) {
                case "In" -> !value.isMissingNode() && values.contains(value.asText());
                case "NotIn" -> value.isMissingNode() || !values.contains(value.asText());
                case "Exists" -> !value.isMissingNode();
                case "DoesNotExist" -> value.isMissingNode();
                default -> throw new AssertionError("unknown selector operator in " + expression);
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** The mount of {@code container} that holds {@code path}: the one with the longest mount path above it. */
    private static JsonNode mountOf(JsonNode container, String path) {
        return StreamSupport.stream(container.path("volumeMounts").spliterator(), false)
                .filter(m -> path.equals(m.path("mountPath").asText()) || path.startsWith(m.path("mountPath").asText() + "/"))
                .max(java.util.Comparator.comparingInt(m -> m.path("mountPath").asText().length()))
                .orElseThrow(() -> new AssertionError("no volume mounted at or above " + path + " in " + container.path("name").asText()));
    }

    private static JsonNode volume(JsonNode pod, String name) {
        return StreamSupport.stream(pod.path("volumes").spliterator(), false).filter(v -> v.path("name").asText().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("no volume " + name));
    }

    /** {@code <secret>/<key>}: the Secret entry the file {@code path} of the pod's first container is. */
    private static String secretFile(JsonNode pod, String path) {
        JsonNode mount = mountOf(pod.at("/containers/0"), path);
        JsonNode secret = volume(pod, mount.path("name").asText()).path("secret");
        assertThat(secret.isMissingNode()).as(path + " is on a Secret volume").isFalse();
        String relative = path.substring(mount.path("mountPath").asText().length() + 1);
        for (JsonNode item : secret.path("items")) {
            if (item.path("path").asText().equals(relative)) {
                return secret.path("secretName").asText() + "/" + item.path("key").asText();
            }
        }
        assertThat(secret.has("items")).as(path + ": the Secret's items name no " + relative).isFalse();
        return secret.path("secretName").asText() + "/" + relative;
    }

    /** The value after {@code option} in {@code args}. */
    private static String value(List<String> args, String option) {
        int i = args.indexOf(option);
        assertThat(i).as(option + " in " + args).isGreaterThanOrEqualTo(0).isLessThan(args.size() - 1);
        return args.get(i + 1);
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

    /** The pod spec of every workload: Deployments, StatefulSets and any CronJob's job template. */
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
