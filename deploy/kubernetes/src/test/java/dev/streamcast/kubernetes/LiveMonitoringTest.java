package dev.streamcast.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.local.broker.LocalBroker;
import dev.streamcast.local.broker.Ports;
import dev.streamcast.local.broker.TopicProvisioner;
import dev.streamcast.local.process.Service;
import dev.streamcast.local.process.ServiceProcess;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The alerts and the dashboard against real services: a local broker, the registry, ingest, the
 * forecaster and the trainer service as the JVMs they run as (the trainer with its Deployment's own
 * {@code TRAINER_*} settings), scraped by a real Prometheus (Debian's) that evaluates the
 * PrometheusRule's own groups and sends to a real Alertmanager, which delivers to a webhook this test
 * serves. The forecaster starts with no model, so {@code StreamcastForecasterNoModel} goes from
 * inactive to firing and reaches the webhook; the train command then publishes a model, the
 * forecaster loads it, and the alert resolves, and the webhook hears that too. The trainer service's
 * first run (bootstrap: no champion yet) is refused, {@code features} being empty, as on a fresh
 * cluster: that is no {@code StreamcastTrainerRunFailed}.
 *
 * <p>Only the rules' {@code for} durations are shortened (to 5 s) so that this takes seconds, not
 * minutes; the expressions are the ones in {@code base/alerts.yaml}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LiveMonitoringTest {

    private static final String WRITE_TOKEN = "live-monitoring-write-token-0123456789";
    private static final String READ_TOKEN = "live-monitoring-read-token-0123456789";
    private static final String MODEL = "fleet";
    /** Metrics the alerts read that no streamcast service exports, and who does. */
    private static final Map<String, String> EXTERNAL = Map.of(
            "up", "Prometheus itself, for every target");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path work = Path.of("target/live-monitoring").toAbsolutePath();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private final List<JsonNode> notifications = new CopyOnWriteArrayList<>();
    private LocalBroker broker;
    private ServiceProcess registry;
    private ServiceProcess ingest;
    private ServiceProcess forecaster;
    private ServiceProcess trainer;
    private HttpServer webhook;
    private int prometheusPort;

    @BeforeAll
    void startTheServices() throws Exception {
        deleteRecursively(work);
        Files.createDirectories(work);
        broker = LocalBroker.start(new LocalBroker.Settings(work.resolve("broker"), "127.0.0.1", Ports.pickFree("127.0.0.1"),
                Ports.pickFree("127.0.0.1")));
        closing.add(broker::close);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            TopicProvisioner.ensure(admin, Topics.ALL, (short) 1);
        }
        Path logs = work.resolve("logs");
        registry = start(Service.REGISTRY, List.of("kafka.bootstrap.servers=" + broker.bootstrapServers(),
                "registry.data-dir=" + work.resolve("registry")),
                Map.of("REGISTRY_AUTH_WRITE_TOKENS", WRITE_TOKEN, "REGISTRY_AUTH_READ_TOKENS", READ_TOKEN), logs);
        ingest = start(Service.INGEST, List.of("kafka.bootstrap.servers=" + broker.bootstrapServers(),
                "streamcast.state-dir=" + work.resolve("state")), Map.of(), logs);
        forecaster = start(Service.FORECASTER, List.of("kafka.bootstrap.servers=" + broker.bootstrapServers(),
                "forecaster.registry.url=" + registry.url(""), "forecaster.model.name=" + MODEL,
                "forecaster.model.retry-interval=PT1S", "forecaster.model.cache-dir=" + work.resolve("bundles"),
                "streamcast.state-dir=" + work.resolve("state")), Map.of("FORECASTER_REGISTRY_TOKEN", READ_TOKEN), logs);
        Path token = Files.writeString(work.resolve("registry-write-token"), WRITE_TOKEN + "\n");
        trainer = start(Service.TRAINER_SERVICE, List.of("kafka.bootstrap.servers=" + broker.bootstrapServers(),
                "trainer.registry.url=" + registry.url(""), "trainer.registry.token-file=" + token, "trainer.auth.token-file=" + token,
                "trainer.run.out=" + work.resolve("runs")), trainerEnvironment(), logs);
        await("the registry, ingest and the trainer ready, the forecaster live", Duration.ofMinutes(3), () -> registry.isReady()
                && ingest.isReady() && trainer.isReady() && status(forecaster.url("/q/health/live")) == 200);
    }

    /**
     * The plain {@code TRAINER_*} variables of the trainer's Deployment (base/trainer.yaml), as its pod gets them: the
     * service refuses run options it does not take at start. Where the Deployment names the cluster (the registry's URL,
     * the token files, the run folder), the properties given to {@link #start} win, as -D does over the environment.
     */
    private Map<String, String> trainerEnvironment() throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        JsonNode deployment = Overlays.documents(Files.readString(Overlays.kubernetes().resolve("base/trainer.yaml"))).stream()
                .filter(d -> d.path("kind").asText().equals("Deployment")).findFirst().orElseThrow();
        for (JsonNode e : deployment.at("/spec/template/spec/containers/0/env")) {
            if (e.path("name").asText().startsWith("TRAINER_") && e.has("value")) {
                env.put(e.path("name").asText(), e.path("value").asText());
            }
        }
        assertThat(env).containsKeys("TRAINER_MODEL", "TRAINER_RUN_OPTIONS", "TRAINER_SCHEDULE_EVERY");
        // PyTorch's native library where the train command below unpacks it too (its working directory is the root)
        env.put("DJL_CACHE_DIR", Overlays.root().resolve(".streamcast/djl").toString());
        env.put("ENGINE_CACHE_DIR", Overlays.root().resolve(".streamcast/djl").toString());
        return env;
    }

    /** The job the PodMonitor gives a service's series: {@code streamcast-<app.kubernetes.io/name>}. */
    private String job(ServiceProcess service) {
        return "streamcast-" + (service == trainer ? "trainer" : service.name());
    }

    private ServiceProcess start(Service service, List<String> properties, Map<String, String> env, Path logs) throws IOException {
        ServiceProcess p = ServiceProcess.start(service, Ports.pickFree("127.0.0.1"), List.of(), properties, env,
                logs.resolve(service.launcherName() + ".log"));
        closing.add(p);
        return p;
    }

    @AfterAll
    void stopEverything() {
        for (int i = closing.size() - 1; i >= 0; i--) {
            try {
                closing.get(i).close();
            } catch (Exception e) {
                System.err.println("closing: " + e);
            }
        }
    }

    @Test
    @Order(1)
    void everyProbeOfTheManifestsIsAnEndpointTheServicesServe() throws Exception {
        for (ServiceProcess service : List.of(registry, ingest, forecaster, trainer)) {
            for (String path : List.of("/q/health/started", "/q/health/ready", "/q/health/live")) {
                // 503 is an answer (not ready yet: the forecaster without a model); 404 would be a wrong path
                assertThat(status(service.url(path))).as(service.name() + " " + path).isIn(200, 503);
            }
        }
        assertThat(status(forecaster.url("/q/health/ready"))).as("no model yet").isEqualTo(503);
        assertThat(scrape(forecaster)).contains("forecaster_model_loaded{slot=\"served\"} 0.0");
    }

    @Test
    @Order(2)
    void anAlertFiresThroughPrometheusAndAlertmanagerAndResolvesWhenAModelServes() throws Exception {
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/alerts", exchange -> {
            notifications.add(JSON.readTree(exchange.getRequestBody()));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        webhook.start();
        closing.add(() -> webhook.stop(0));
        int alertmanagerPort = startAlertmanager();
        prometheusPort = startPrometheus(alertmanagerPort);

        List<String> states = new ArrayList<>();
        await("StreamcastForecasterNoModel firing in Prometheus", Duration.ofMinutes(2), () -> {
            String state = ruleState("StreamcastForecasterNoModel");
            if (states.isEmpty() || !states.get(states.size() - 1).equals(state)) {
                states.add(state);
            }
            return state.equals("firing");
        });
        assertThat(states.get(0)).as("seen before it fired: " + states).isIn("inactive", "pending");
        assertThat(firing()).as("what fires while the forecaster has no model")
                .contains("StreamcastForecasterNoModel").doesNotContain("StreamcastTargetDown", "StreamcastStreamThreadDead",
                        "StreamcastIngestDeadLetters", "StreamcastForecasterDeadLetters", "StreamcastRegistryEventBacklog",
                        "StreamcastTrainerDown", "StreamcastTrainerRunInterrupted");
        // the trainer's bootstrap run on an empty features topic: refused, as on a fresh cluster, and no alert
        await("the trainer's bootstrap run refused", Duration.ofMinutes(2), () -> {
            JsonNode runs = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(trainer.url("/api/runs"))).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).path("runs");
            return runs.size() == 1 && runs.get(0).path("trigger").asText().equals("bootstrap")
                    && runs.get(0).path("state").asText().equals("refused");
        });
        await("Prometheus has scraped the refused run", Duration.ofMinutes(1), () -> api("/api/v1/query?query="
                + java.net.URLEncoder.encode("trainer_runs_total{trigger=\"bootstrap\",outcome=\"refused\"} == 1", StandardCharsets.UTF_8))
                .at("/data/result").size() == 1);
        assertThat(ruleState("StreamcastTrainerRunFailed")).as("a refused bootstrap run is no failure").isEqualTo("inactive");
        await("the webhook told of it by Alertmanager", Duration.ofMinutes(1),
                () -> notified("firing", "StreamcastForecasterNoModel"));

        train();
        await("the forecaster serving the published model", Duration.ofMinutes(3),
                () -> scrape(forecaster).contains("forecaster_model_loaded{slot=\"served\"} 1.0"));
        await("StreamcastForecasterNoModel no longer active", Duration.ofMinutes(1),
                () -> ruleState("StreamcastForecasterNoModel").equals("inactive"));
        await("the webhook told it resolved", Duration.ofMinutes(1), () -> notified("resolved", "StreamcastForecasterNoModel"));
        // StreamcastNotReady resolves at the same moment: take this alert's own notification
        JsonNode resolved = notifications.stream().filter(n -> n.path("status").asText().equals("resolved")
                && n.at("/commonLabels/alertname").asText().equals("StreamcastForecasterNoModel")).findFirst().orElseThrow();
        JsonNode alert = resolved.path("alerts").get(0);
        assertThat(alert.at("/labels/severity").asText()).isEqualTo("critical");
        assertThat(alert.at("/labels/job").asText()).isEqualTo("streamcast-forecaster");
        assertThat(alert.at("/annotations/runbook_url").asText()).isEqualTo("deploy/README.md#streamcastforecasternomodel");
    }

    @Test
    @Order(3)
    void everyMetricAnAlertOrTheDashboardReadsIsOneTheServicesExport() throws Exception {
        Set<String> exported = new TreeSet<>();
        for (ServiceProcess service : List.of(registry, ingest, forecaster, trainer)) {
            exported.addAll(sampleNames(scrape(service)));
        }
        Map<String, Set<String>> readBy = new LinkedHashMap<>();
        for (JsonNode alert : AlertRules.alerts()) {
            PromQl.metricNames(alert.path("expr").asText())
                    .forEach(m -> readBy.computeIfAbsent(m, k -> new LinkedHashSet<>()).add(alert.path("alert").asText()));
        }
        JsonNode dashboard = JSON.readTree(Overlays.kubernetes().resolve("base/dashboards/streamcast-pipeline.json").toFile());
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                PromQl.metricNames(target.path("expr").asText())
                        .forEach(m -> readBy.computeIfAbsent(m, k -> new LinkedHashSet<>()).add("panel " + panel.path("title").asText()));
            }
        }
        assertThat(readBy).as("metrics read").hasSizeGreaterThan(25);
        Map<String, Set<String>> missing = new LinkedHashMap<>(readBy);
        missing.keySet().removeAll(exported);
        missing.keySet().removeAll(EXTERNAL.keySet());
        assertThat(missing).as("metrics read by alerts or panels that no service exports").isEmpty();
    }

    /** Trains a small DLinear on ETTh1 and publishes it as champion, as the trainer service's runs do on the stream's history. */
    private void train() throws Exception {
        Path data = Overlays.root().resolve("../shared/data/ETT-small/ETTh1.csv").normalize();
        assertThat(data).as("the ETTh1 data set beside the repository").isRegularFile();
        List<String> command = Service.TRAINER.command(List.of("-Dai.djl.offline=true"), List.of(), List.of("--data", data.toString(),
                "--mode", "S", "--target", "OT", "--arch", "dlinear", "--lookback", "24", "--horizon", "12", "--epochs", "1",
                "--max-train-windows", "256", "--trend-kernel", "5", "--name", MODEL, "--out", work.resolve("models").toString(),
                "--publish", registry.url(""), "--alias", "champion"));
        ProcessBuilder builder = new ProcessBuilder(command).directory(Overlays.root().toFile()).redirectErrorStream(true)
                .redirectOutput(work.resolve("logs/train.log").toFile());
        builder.environment().put("STREAMCAST_REGISTRY_TOKEN", WRITE_TOKEN);
        Process p = builder.start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("training finished").isTrue();
        assertThat(p.exitValue()).as(Files.readString(work.resolve("logs/train.log"))).isZero();
    }

    private int startAlertmanager() throws Exception {
        int port = Ports.pickFree("127.0.0.1");
        Path dir = Files.createDirectories(work.resolve("alertmanager"));
        Files.writeString(dir.resolve("alertmanager.yml"), """
                route:
                  receiver: test
                  group_by: [alertname, instance]
                  group_wait: 1s
                  group_interval: 1s
                  repeat_interval: 1h
                receivers:
                  - name: test
                    webhook_configs:
                      - url: http://127.0.0.1:%d/alerts
                        send_resolved: true
                """.formatted(webhook.getAddress().getPort()));
        launch(List.of(Binaries.require(Binaries.ALERTMANAGER).toString(), "--config.file=" + dir.resolve("alertmanager.yml"),
                "--storage.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port, "--cluster.listen-address="),
                dir.resolve("alertmanager.log"));
        await("Alertmanager ready", Duration.ofMinutes(1), () -> status("http://127.0.0.1:" + port + "/-/ready") == 200);
        return port;
    }

    private int startPrometheus(int alertmanagerPort) throws Exception {
        int port = Ports.pickFree("127.0.0.1");
        Path dir = Files.createDirectories(work.resolve("prometheus"));
        Path rules = AlertRules.writeRuleFile(dir.resolve("streamcast.rules.yaml"), "5s");
        StringBuilder jobs = new StringBuilder();
        for (ServiceProcess s : List.of(registry, ingest, forecaster, trainer)) {
            jobs.append("""
                      - job_name: %s
                        metrics_path: /q/metrics
                        static_configs:
                          - targets: ['127.0.0.1:%d']
                    """.formatted(job(s), s.port()));
        }
        Files.writeString(dir.resolve("prometheus.yml"), """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files: ['%s']
                alerting:
                  alertmanagers:
                    - static_configs:
                        - targets: ['127.0.0.1:%d']
                scrape_configs:
                %s""".formatted(rules, alertmanagerPort, jobs));
        launch(List.of(Binaries.require(Binaries.PROMETHEUS).toString(), "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port),
                dir.resolve("prometheus.log"));
        await("Prometheus ready", Duration.ofMinutes(1), () -> status("http://127.0.0.1:" + port + "/-/ready") == 200);
        return port;
    }

    private void launch(List<String> command, Path log) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        closing.add(() -> {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        });
    }

    /** The state Prometheus gives the alerting rule {@code alert}: inactive, pending or firing. */
    private String ruleState(String alert) throws Exception {
        JsonNode groups = api("/api/v1/rules?type=alert").at("/data/groups");
        for (JsonNode group : groups) {
            for (JsonNode rule : group.path("rules")) {
                if (rule.path("name").asText().equals(alert)) {
                    return rule.path("state").asText();
                }
            }
        }
        throw new AssertionError("Prometheus has no rule " + alert + ": " + groups);
    }

    private Set<String> firing() throws Exception {
        Set<String> names = new TreeSet<>();
        for (JsonNode a : api("/api/v1/alerts").at("/data/alerts")) {
            if (a.path("state").asText().equals("firing")) {
                names.add(a.at("/labels/alertname").asText());
            }
        }
        return names;
    }

    private JsonNode api(String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + prometheusPort + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    private boolean notified(String status, String alert) {
        return notifications.stream().anyMatch(n -> n.path("status").asText().equals(status)
                && n.at("/commonLabels/alertname").asText().equals(alert));
    }

    private static String scrape(ServiceProcess service) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(service.url("/q/metrics")))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).as(service.name() + " /q/metrics").isEqualTo(200);
        return r.body();
    }

    /** The names of the samples of a Prometheus text exposition. */
    static Set<String> sampleNames(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    private static int status(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Waits until {@code condition} holds, polling it on this thread (Awaitility), naming {@code what} on a timeout. */
    private static void await(String what, Duration timeout, java.util.concurrent.Callable<Boolean> condition) {
        Awaitility.await(what).atMost(timeout).pollInSameThread().until(condition);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
