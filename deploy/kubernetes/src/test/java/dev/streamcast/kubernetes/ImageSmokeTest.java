package dev.streamcast.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamcast.contracts.topics.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.kafka.KafkaContainer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end through the images, where Docker runs: builds the ingest, forecaster and trainer images
 * from their Dockerfiles (the applications as {@code mvn package} left them), runs them as the
 * manifests do (user 185, read-only root file system, a tmpfs for /tmp and the state or work
 * directory, static membership from the instance id; the trainer with its Deployment's own
 * {@code TRAINER_*} settings and the registry's write token as a read-only file) against a Kafka
 * container, and checks that all three start, that ingest and the trainer become ready, that the
 * forecaster without a model is live but not ready, and that they export their metrics. Skipped,
 * saying so, where no Docker engine answers (these build machines have the Docker client only).
 */
class ImageSmokeTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void theImagesStartAsTheManifestsRunThemAgainstAKafkaContainer() throws Exception {
        Assumptions.assumeTrue(dockerAvailable(), "skipped: no Docker engine here; with one, this test builds the ingest,"
                + " forecaster and trainer images and runs them read-only as user 185 against a Kafka container, checking health"
                + " and metrics");
        Path root = Overlays.root();
        try (Network network = Network.newNetwork();
             KafkaContainer kafka = new KafkaContainer("apache/kafka:4.1.1").withNetwork(network).withListener("kafka:19092")) {
            kafka.start();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.getBootstrapServers()))) {
                admin.createTopics(Topics.ALL.stream().map(t -> new NewTopic(t.name(), t.partitions(), (short) 1)
                        .configs(t.configs())).toList()).all().get();
            }
            try (GenericContainer<?> ingest = service(root.resolve("ingest"), 8081, network);
                 GenericContainer<?> forecaster = service(root.resolve("forecaster"), 8083, network)
                         .withEnv("FORECASTER_MODEL_DIR", "/var/lib/streamcast/models")) {
                ingest.waitingFor(Wait.forHttp("/q/health/ready").forPort(8081).withStartupTimeout(Duration.ofMinutes(3))).start();
                forecaster.waitingFor(Wait.forHttp("/q/health/live").forPort(8083).withStartupTimeout(Duration.ofMinutes(3))).start();
                assertThat(get(ingest, 8081, "/q/metrics").body()).contains("streamcast_ready 1.0");
                assertThat(get(forecaster, 8083, "/q/health/ready").statusCode()).isEqualTo(503);
                assertThat(get(forecaster, 8083, "/q/metrics").body()).contains("forecaster_model_loaded{slot=\"served\"} 0.0");
                assertThat(ingest.execInContainer("id", "-u").getStdout().strip()).isEqualTo("185");
            }
            try (GenericContainer<?> trainer = trainer(root, network)) {
                trainer.waitingFor(Wait.forHttp("/q/health/ready").forPort(8084).withStartupTimeout(Duration.ofMinutes(3))).start();
                String metrics = get(trainer, 8084, "/q/metrics").body();
                assertThat(metrics).contains("trainer_run_active").contains("trainer_runs_total{");
                assertThat(get(trainer, 8084, "/api/runs").statusCode()).isEqualTo(200);
                assertThat(trainer.execInContainer("id", "-u").getStdout().strip()).isEqualTo("185");
            }
        }
    }

    /**
     * The trainer as its Deployment runs it: every plain {@code TRAINER_*} variable of base/trainer.yaml (its run options
     * among them, which the service checks at start), the token file read-only where the Deployment mounts it, and the
     * Kafka container in plaintext instead of the cluster's TLS listener. The registry is not there: the service asks it
     * for a champion every 5 s without starting a run.
     */
    private static GenericContainer<?> trainer(Path root, Network network) throws Exception {
        ImageFromDockerfile image = new ImageFromDockerfile("streamcast/trainer-smoke", true)
                .withFileFromPath(".", root.resolve("trainer")).withDockerfilePath("src/main/docker/Dockerfile.jvm");
        Path token = Files.createTempFile("registry-write-token", "");
        Files.writeString(token, "image-smoke-write-token-0123456789\n");
        token.toFile().deleteOnExit();
        GenericContainer<?> c = new GenericContainer<>(image).withNetwork(network).withExposedPorts(8084)
                .withEnv("KAFKA_BOOTSTRAP_SERVERS", "kafka:19092")
                .withTmpFs(Map.of("/tmp", "rw", "/work", "rw,uid=185"))
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withReadonlyRootfs(true));
        JsonNode env = Overlays.documents(Files.readString(Overlays.kubernetes().resolve("base/trainer.yaml"))).stream()
                .filter(d -> d.path("kind").asText().equals("Deployment")).findFirst().orElseThrow()
                .at("/spec/template/spec/containers/0/env");
        Set<String> tokenFiles = new TreeSet<>();
        for (JsonNode e : env) {
            String name = e.path("name").asText();
            if ((name.startsWith("TRAINER_") || name.endsWith("_CACHE_DIR") || name.equals("JAVA_OPTS_APPEND")) && e.has("value")) {
                c.withEnv(name, e.path("value").asText());
                if (name.endsWith("TOKEN_FILE")) {
                    tokenFiles.add(e.path("value").asText());
                }
            }
        }
        tokenFiles.forEach(file -> c.withFileSystemBind(token.toString(), file, BindMode.READ_ONLY));
        return c;
    }

    private static GenericContainer<?> service(Path module, int port, Network network) {
        ImageFromDockerfile image = new ImageFromDockerfile("streamcast/" + module.getFileName() + "-smoke", true)
                .withFileFromPath(".", module).withDockerfilePath("src/main/docker/Dockerfile.jvm");
        return new GenericContainer<>(image).withNetwork(network).withExposedPorts(port)
                .withEnv("QUARKUS_KAFKA_STREAMS_BOOTSTRAP_SERVERS", "kafka:19092")
                .withEnv("STREAMCAST_INSTANCE_ID", module.getFileName() + "-0")
                .withEnv("STREAMCAST_STATE_DIR", "/var/lib/streamcast/state")
                .withTmpFs(Map.of("/tmp", "rw", "/var/lib/streamcast", "rw,uid=185"))
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withReadonlyRootfs(true));
    }

    private static HttpResponse<String> get(GenericContainer<?> c, int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + c.getHost() + ":" + c.getMappedPort(port) + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }
}
