package dev.streamcast.local.process;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The trainer service as the launcher starts it (its built application), with a real registry and broker: its first
 * run, started because the model has no champion, makes the lowest validation error champion; a run requested through
 * its API publishes every architecture again, with the trigger in each version's description, and points challenger
 * at its winner, leaving champion where it was. Then, live, with forecasts written as the forecaster writes them: a
 * challenger far closer to the actuals is promoted (the old champion becomes the challenger, the decision goes to the
 * model's tags), and a champion whose errors grow far beyond its backtest starts a drift run.
 */
class TrainerServiceProcessTest {

    static final String WRITE = "trainer-process-write-token-0123456789";
    static final int ENTITIES = 3;
    static final int STEPS = 300;
    static final FeatureSpec SPEC = FeatureSpec.of(3_600_000L, List.of("load_mw.mean", "oil_c.mean"));
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void aFirstRunMakesTheChampionAndARequestedRunTheChallenger() throws Exception {
        assumeThat(Service.REGISTRY.built() && Service.TRAINER_SERVICE.built())
                .as("the registry and the trainer service are built (mvn verify builds them before these tests)").isTrue();
        Path token = Files.writeString(tmp.resolve("write-token"), "# the registry's write token\n" + WRITE + "\n");
        try (LocalBroker broker = LocalBroker.start(new LocalBroker.Settings(tmp.resolve("broker"), "127.0.0.1",
                Ports.pickFree("127.0.0.1"), Ports.pickFree("127.0.0.1")))) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                TopicProvisioner.ensure(admin, Topics.ALL, (short) 1);
                PastEventTimes.keepFeatures(admin); // 300 hourly steps of 2023: the drift run reads them later
            }
            produce(broker.bootstrapServers());
            try (ServiceProcess registry = ServiceProcess.start(Service.REGISTRY, Ports.pickFree("127.0.0.1"), List.of(),
                    List.of("registry.data-dir=" + tmp.resolve("registry"), "kafka.bootstrap.servers=" + broker.bootstrapServers()),
                    Map.of("REGISTRY_AUTH_WRITE_TOKENS", WRITE), tmp.resolve("registry.log"));
                 ServiceProcess trainer = ServiceProcess.start(Service.TRAINER_SERVICE, Ports.pickFree("127.0.0.1"),
                         List.of("-Dai.djl.offline=true"), List.of("kafka.bootstrap.servers=" + broker.bootstrapServers(),
                                 "trainer.registry.url=" + registry.url(""), "trainer.registry.token-file=" + token,
                                 "trainer.auth.token-file=" + token, "trainer.run.out=" + tmp.resolve("runs"),
                                 "trainer.live.min-pairs=60", "trainer.live.max-pairs=480", "trainer.live.drift-errors=60",
                                 "trainer.live.drift-factor=3.0",
                                 "trainer.run.options=--mode S --target oil_c.mean --arch gru --lookback 24 --horizon 6"
                                         + " --epochs 2 --hidden 8 --layers 1 --max-train-windows 128 --quantiles 0.1,0.9"),
                         Map.of(), tmp.resolve("trainer.log"))) {
                // the registry first (the bootstrap asks it for a champion), so wait for both
                Awaitility.await().atMost(Duration.ofMinutes(2)).until(() -> registry.isReady() && trainer.isReady());

                JsonNode first = awaitRun(trainer, 1);
                assertThat(first.path("trigger").asText()).as(first.toString()).isEqualTo("bootstrap");
                assertThat(first.path("state").asText()).as(first.toString()).isEqualTo("succeeded");
                assertThat(first.path("alias").asText()).isEqualTo("champion");
                assertThat(first.path("architectures")).hasSize(3); // gru, and the baselines always trained
                JsonNode model = get(registry, "/api/models/fleet", WRITE);
                assertThat(model.at("/aliases/champion").asLong()).isEqualTo(first.path("version").asLong());

                HttpResponse<String> started = send(trainer, "POST", "/api/runs?reason=a+test", WRITE);
                assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
                JsonNode second = awaitRun(trainer, 2);
                assertThat(second.path("state").asText()).as(second.toString()).isEqualTo("succeeded");
                assertThat(second.path("alias").asText()).isEqualTo("challenger");
                model = get(registry, "/api/models/fleet", WRITE);
                assertThat(model.at("/aliases/champion").asLong()).as("champion stays").isEqualTo(first.path("version").asLong());
                assertThat(model.at("/aliases/challenger").asLong()).isEqualTo(second.path("version").asLong());
                assertThat(model.path("versionCount").asLong()).isEqualTo(6);
                JsonNode version = get(registry, "/api/models/fleet/versions/" + second.path("version").asLong(), WRITE);
                assertThat(version.path("description").asText()).contains("run 2, trigger request: a test");
                assertThat(version.path("metrics").has("val_mse")).isTrue();

                // each run reported to the registry, for its page: the newest first, as they ended
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
                    JsonNode r = get(registry, "/api/models/fleet/runs", WRITE);
                    return r.size() >= 2 && r.get(r.size() - 2).path("state").asText().equals("succeeded");
                });
                JsonNode runs = get(registry, "/api/models/fleet/runs", WRITE);
                JsonNode reported = runs.get(runs.size() - 2);
                assertThat(reported.path("id").asLong()).isEqualTo(2);
                assertThat(reported.path("trigger").asText()).isEqualTo("request");
                assertThat(reported.path("state").asText()).isEqualTo("succeeded");
                assertThat(reported.path("reason").asText()).isEqualTo("a test");
                assertThat(reported.path("version").asLong()).isEqualTo(second.path("version").asLong());
                assertThat(reported.path("alias").asText()).isEqualTo("challenger");
                assertThat(reported.path("outcome").asText()).isEqualTo(second.path("outcome").asText());
                assertThat(reported.path("endedAt").isNull()).isFalse();
                JsonNode bootstrap = runs.get(runs.size() - 1);
                assertThat(bootstrap.path("id").asLong()).isEqualTo(1);
                assertThat(bootstrap.path("trigger").asText()).isEqualTo("bootstrap");
                assertThat(bootstrap.path("winner").asText()).isEqualTo(first.path("winner").asText());

                // live: the champion's forecasts on forecasts, the challenger's on forecasts-shadow, the actuals on
                // features; the challenger is far closer, so it is promoted and the champion becomes the challenger
                // (the champion stays within 3 x its backtest error: no drift yet)
                long champion = first.path("version").asLong();
                long challenger = second.path("version").asLong();
                live(broker.bootstrapServers(), STEPS, STEPS + 40, "fleet@" + champion, 1.0, "fleet@" + challenger, 0.1);
                try {
                    Awaitility.await().atMost(Duration.ofMinutes(1)).until(() ->
                            get(trainer, "/api/live", null).path("decisions").size() > 0);
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    throw new AssertionError("no decision: " + get(trainer, "/api/live", null) + "\nthe trainer's log:\n"
                            + Files.readString(trainer.log()), e);
                }
                JsonNode decision = get(trainer, "/api/live", null).at("/decisions/0");
                assertThat(decision.path("promoted").asBoolean()).as(decision.toString()).isTrue();
                assertThat(decision.path("applied").asBoolean()).as(decision.toString()).isTrue();
                assertThat(decision.path("challengerMse").asDouble()).isLessThan(decision.path("championMse").asDouble());
                assertThat(decision.path("pValue").asDouble()).isLessThan(0.05);
                model = get(registry, "/api/models/fleet", WRITE);
                assertThat(model.at("/aliases/champion").asLong()).as("promoted").isEqualTo(challenger);
                assertThat(model.at("/aliases/challenger").asLong()).as("the old champion, shadowed").isEqualTo(champion);
                assertThat(model.at("/tags/promotion.last").asText()).startsWith("promoted fleet@" + challenger + " over fleet@" + champion);

                // drift: the new champion's forecasts drift far from the actuals: a run starts, with drift as its trigger
                live(broker.bootstrapServers(), STEPS + 40, STEPS + 60, "fleet@" + challenger, 40.0, null, 0);
                Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> get(trainer, "/api/runs", null).path("runs").size() == 3);
                JsonNode drift = get(trainer, "/api/runs", null).at("/runs/0");
                assertThat(drift.path("trigger").asText()).isEqualTo("drift");
                assertThat(drift.path("reason").asText()).startsWith("fleet@" + challenger + " live MAE").contains("x its backtest MAE");
                awaitRun(trainer, 3);
            }
        }
    }

    private static JsonNode awaitRun(ServiceProcess trainer, long id) throws Exception {
        try {
            Awaitility.await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                HttpResponse<String> r = send(trainer, "GET", "/api/runs/" + id, null);
                return r.statusCode() == 200 && !"running".equals(JSON.readTree(r.body()).path("state").asText());
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("run " + id + " did not end: " + send(trainer, "GET", "/api/runs", null).body()
                    + "\nthe trainer's log:\n" + Files.readString(trainer.log()), e);
        }
        return JSON.readTree(send(trainer, "GET", "/api/runs/" + id, null).body());
    }

    private static JsonNode get(ServiceProcess p, String path, String token) throws Exception {
        HttpResponse<String> r = send(p, "GET", path, token);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static HttpResponse<String> send(ServiceProcess p, String method, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(p.url(path))).timeout(Duration.ofSeconds(20))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Oil temperature: a daily cycle, a slow rise and noise (the same number for the same entity and step). */
    static double oil(int e, int s) {
        return 30 + 5 * Math.sin(2 * Math.PI * s / 24.0) + 0.01 * s + e + 0.5 * new java.util.Random(e * 1_000_003L + s).nextGaussian();
    }

    /**
     * Steps [from, to) of every entity as the forecaster would write them: the actual vector, then the champion's
     * forecast (on forecasts) and the challenger's (on forecasts-shadow, when named) of the next 6 steps, each off the
     * truth by a sign-alternating error of the given size; a step at a time, as a stream arrives.
     */
    private static void live(String bootstrap, int from, int to, String championRef, double championError, String challengerRef,
                             double challengerError) throws Exception {
        long step = SPEC.stepMillis();
        long start = 1_700_000_000_000L / step * step;
        java.util.Random noise = new java.util.Random(from);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int s = from; s < to; s++) {
                for (int e = 0; e < ENTITIES; e++) {
                    byte[] key = ("t" + e).getBytes(StandardCharsets.UTF_8);
                    FeatureVector v = new FeatureVector(SPEC.id(), start + s * step, start + (s + 1) * step,
                            new double[]{50 + e, oil(e, s)}, new boolean[]{true, true});
                    producer.send(new ProducerRecord<>(Topics.FEATURES.name(), null, v.windowEnd(), key, Codecs.FEATURE_VECTOR.encode(v)));
                    producer.send(new ProducerRecord<>(Topics.FORECASTS.name(), key, Codecs.FORECAST.encode(
                            forecast(championRef, start, step, e, s, championError, noise))));
                    if (challengerRef != null) {
                        producer.send(new ProducerRecord<>(Topics.FORECASTS_SHADOW.name(), key, Codecs.FORECAST.encode(
                                forecast(challengerRef, start, step, e, s, challengerError, noise))));
                    }
                }
                producer.flush();
                Thread.sleep(20);
            }
        }
    }

    private static dev.streamcast.contracts.records.Forecast forecast(String model, long start, long step, int e, int s, double error,
                                                                      java.util.Random noise) {
        List<dev.streamcast.contracts.records.Forecast.Step> steps = new java.util.ArrayList<>();
        for (int h = 1; h <= 6; h++) {
            double off = error * (noise.nextBoolean() ? 1 : -1) * (0.5 + noise.nextDouble());
            steps.add(new dev.streamcast.contracts.records.Forecast.Step(h, start + (s + h) * step, Map.of("oil_c.mean", oil(e, s + h) + off),
                    Map.of()));
        }
        return new dev.streamcast.contracts.records.Forecast(start + s * step, model, SPEC.id(), List.of("oil_c.mean"), new double[0], steps);
    }

    /** The spec, then {@link #STEPS} hourly vectors of each entity: a daily cycle with a slow drift. */
    private static void produce(String bootstrap) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.FEATURE_SPECS.name(), SPEC.id().getBytes(StandardCharsets.UTF_8),
                    Codecs.FEATURE_SPEC.encode(SPEC))).get();
            long start = 1_700_000_000_000L / SPEC.stepMillis() * SPEC.stepMillis();
            for (int s = 0; s < STEPS; s++) {
                for (int e = 0; e < ENTITIES; e++) {
                    double cycle = Math.sin(2 * Math.PI * s / 24.0);
                    FeatureVector v = new FeatureVector(SPEC.id(), start + s * SPEC.stepMillis(), start + (s + 1) * SPEC.stepMillis(),
                            new double[]{50 + 10 * cycle + e, oil(e, s)}, new boolean[]{true, true});
                    producer.send(new ProducerRecord<>(Topics.FEATURES.name(), null, v.windowEnd(),
                            ("t" + e).getBytes(StandardCharsets.UTF_8), Codecs.FEATURE_VECTOR.encode(v)));
                }
            }
            producer.flush();
        }
    }
}
