package dev.streamcast.local.process;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.Manifests;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.local.broker.LocalBroker;
import dev.streamcast.local.broker.Ports;
import dev.streamcast.local.broker.TopicProvisioner;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The forecaster's live page across two instances, each the JVM it runs as, on a real broker: the
 * entities are split between them by partition, and either instance answers for every entity
 * (Kafka Streams' interactive queries, then a request to the owner), in its API and on its page in
 * Debian's headless Chromium.
 */
class ForecasterInstancesPageTest {

    static final int ENTITIES = 8;
    static final int STEPS = 40;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void eitherInstanceAnswersForAnEntityTheOtherHolds() throws Exception {
        assumeThat(Service.FORECASTER.built()).as("the forecaster is built (mvn verify builds it before these tests)").isTrue();
        Path root = Path.of(System.getProperty("user.dir")).resolve("../..").normalize();
        Path models = model(root);
        BundleManifest manifest = Manifests.read(models.resolve("fleet/1"));
        try (LocalBroker broker = LocalBroker.start(new LocalBroker.Settings(tmp.resolve("broker"), "127.0.0.1",
                Ports.pickFree("127.0.0.1"), Ports.pickFree("127.0.0.1")))) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                TopicProvisioner.ensure(admin, Topics.ALL, (short) 1);
            }
            List<ServiceProcess> forecasters = new ArrayList<>();
            try {
                for (int i = 1; i <= 2; i++) {
                    forecasters.add(ServiceProcess.start(Service.FORECASTER, Ports.pickFree("127.0.0.1"), List.of(), List.of(
                            "kafka.bootstrap.servers=" + broker.bootstrapServers(), "forecaster.model.dir=" + models,
                            "forecaster.model.name=fleet", "streamcast.state-dir=" + tmp.resolve("state-" + i),
                            "streamcast.instance-id=forecaster-" + i), Map.of(), tmp.resolve("forecaster-" + i + ".log")));
                }
                for (ServiceProcess f : forecasters) {
                    await(() -> f.isReady(), Duration.ofMinutes(2), f.name() + " ready; its log: " + f.log());
                }
                produce(broker.bootstrapServers(), manifest.featureSpec());
                ServiceProcess a = forecasters.get(0);
                ServiceProcess b = forecasters.get(1);
                await(() -> get(a, "/api/overview").path("entities").asInt() == ENTITIES
                        && get(a, "/api/overview").path("instances").size() == 2, Duration.ofMinutes(2), "both instances hold entities");

                Map<String, String> answeredBy = new HashMap<>();
                for (int e = 0; e < ENTITIES; e++) {
                    String path = "/api/entities/t" + e;
                    // the entity count says each entity has arrived, not that all its steps have been processed
                    await(() -> get(a, path).at("/slots/0/actuals").size() == STEPS, Duration.ofMinutes(1),
                            "every step of t" + e + " processed");
                    JsonNode view = get(a, path);
                    assertThat(view.path("entity").asText()).isEqualTo("t" + e);
                    // the actuals the owner keeps for the page: every step sent, the last one last
                    assertThat(view.at("/slots/0/actuals")).hasSize(STEPS);
                    assertThat(view.at("/slots/0/actuals/" + (STEPS - 1) + "/t").asLong()).isEqualTo(lastWindowStart(manifest.featureSpec()));
                    assertThat(view.at("/slots/0/forecast/steps")).hasSize(4);
                    answeredBy.put("t" + e, view.path("instance").asText());
                    assertThat(get(b, "/api/entities/t" + e).path("instance").asText()).as("both ask the same owner")
                            .isEqualTo(view.path("instance").asText());
                }
                String other = "127.0.0.1:" + b.port();
                assertThat(answeredBy.values()).as("each instance holds some entities").contains(other, "127.0.0.1:" + a.port());
                JsonNode list = get(a, "/api/entities?limit=50");
                assertThat(list.path("total").asInt()).isEqualTo(ENTITIES);
                assertThat(list.path("entities")).hasSize(ENTITIES);

                String held = answeredBy.entrySet().stream().filter(x -> x.getValue().equals(other)).findFirst().orElseThrow().getKey();
                page(a, held);
            } finally {
                forecasters.forEach(ServiceProcess::close);
            }
        }
    }

    /** A's page shows {@code entity}, which B holds: the chart gets its actuals. */
    private void page(ServiceProcess a, String entity) throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        Path chromedriver = Path.of("/usr/bin/chromedriver");
        if (!Files.isExecutable(chromium) || !Files.isExecutable(chromedriver)) {
            throw new IllegalStateException("the page test drives Debian's Chromium: install chromium chromium-driver (.ci/run does)");
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1400,1000", "--user-data-dir=" + Files.createDirectory(tmp.resolve("chromium")));
        ChromeDriver browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile())
                .usingAnyFreePort().build(), options);
        try {
            browser.get(a.url("/?entity=" + entity));
            new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> ((Number) browser.executeScript(
                    "const c = window.streamcastPage.chart; return c ? c.data.datasets[0].data.length : 0;")).intValue() == STEPS);
            assertThat((String) browser.executeScript("return window.streamcastPage.lastView.instance")).isNotEqualTo("127.0.0.1:" + a.port());
            Files.write(Path.of("target/forecast-page-two-instances.png"), browser.getScreenshotAs(OutputType.BYTES));
        } finally {
            browser.quit();
        }
    }

    /** A small DLinear on ETTh1, trained by the trainer, as bundle fleet/1 with champion pointing at it. */
    private Path model(Path root) throws Exception {
        Path data = root.resolve("../shared/data/ETT-small/ETTh1.csv").normalize();
        assertThat(data).as("the ETTh1 data set beside the repository").isRegularFile();
        Path out = tmp.resolve("trained");
        List<String> command = Service.TRAINER.command(List.of("-Dai.djl.offline=true"), List.of(), List.of("--data", data.toString(),
                "--mode", "S", "--target", "OT", "--arch", "dlinear", "--lookback", "8", "--horizon", "4", "--epochs", "1",
                "--max-train-windows", "256", "--trend-kernel", "5", "--name", "fleet", "--out", out.toString()));
        Process p = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("train.log").toFile()).start();
        assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(tmp.resolve("train.log"))).isZero();
        Path models = tmp.resolve("models");
        Path bundle = Files.createDirectories(models.resolve("fleet/1"));
        try (var files = Files.list(out.resolve("fleet/dlinear"))) {
            for (Path f : files.toList()) {
                Files.copy(f, bundle.resolve(f.getFileName()));
            }
        }
        Files.writeString(models.resolve("fleet/aliases.properties"), "champion=1\n");
        return models;
    }

    private static long start(FeatureSpec spec) {
        return 1_700_000_000_000L / spec.stepMillis() * spec.stepMillis();
    }

    private static long lastWindowStart(FeatureSpec spec) {
        return start(spec) + (STEPS - 1) * spec.stepMillis();
    }

    /** The spec, then {@link #STEPS} vectors of each entity, values a daily-ish cycle per feature. */
    private static void produce(String bootstrap, FeatureSpec spec) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.FEATURE_SPECS.name(), spec.id().getBytes(StandardCharsets.UTF_8),
                    Codecs.FEATURE_SPEC.encode(spec))).get();
            long start = start(spec);
            int n = spec.names().size();
            for (int s = 0; s < STEPS; s++) {
                for (int e = 0; e < ENTITIES; e++) {
                    double[] values = new double[n];
                    boolean[] observed = new boolean[n];
                    for (int k = 0; k < n; k++) {
                        values[k] = 10 + e + 3 * Math.sin(2 * Math.PI * (s + k) / 24.0);
                        observed[k] = true;
                    }
                    long windowStart = start + s * spec.stepMillis();
                    FeatureVector v = new FeatureVector(spec.id(), windowStart, windowStart + spec.stepMillis(), values, observed);
                    producer.send(new ProducerRecord<>(Topics.FEATURES.name(), null, v.windowEnd(),
                            ("t" + e).getBytes(StandardCharsets.UTF_8), Codecs.FEATURE_VECTOR.encode(v)));
                }
            }
            producer.flush();
        }
    }

    private static JsonNode get(ServiceProcess p, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(p.url(path))).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** Waits until {@code condition} holds (an exception from it counts as not yet), naming {@code what} on a timeout. */
    private static void await(java.util.concurrent.Callable<Boolean> condition, Duration timeout, String what) {
        Awaitility.await(what).atMost(timeout).pollInSameThread().ignoreExceptions().until(condition);
    }
}
