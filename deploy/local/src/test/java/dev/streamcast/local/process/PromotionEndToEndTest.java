package dev.streamcast.local.process;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.records.Forecast;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.local.broker.LocalBroker;
import dev.streamcast.local.broker.Ports;
import dev.streamcast.local.broker.TopicProvisioner;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
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
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The retraining loop end to end, every part real and as the launcher starts it: a broker, the registry, the
 * forecaster (shadowing {@code challenger}) and the trainer service. History without a season makes a first
 * champion; then, live, the plant drifts (a swing of 12 steps, the season): the champion's live error leaves its
 * backtest behind, a drift run starts and its winner becomes the challenger, the forecaster shadows it, the trainer
 * compares the two on the forecaster's own forecasts and promotes the challenger, and the forecaster's forecasts then
 * come from it.
 */
class PromotionEndToEndTest {

    static final String WRITE = "promotion-e2e-write-token-0123456789";
    static final int ENTITIES = 3;
    static final int HISTORY = 200;
    static final int DRIFT = HISTORY + 30;
    static final int LAST = HISTORY + 3000; // 300 s of live steps at most: the test stops the stream when it is done
    static final FeatureSpec SPEC = FeatureSpec.of(3_600_000L, List.of("oil_c.mean"));
    static final long START = 1_700_000_000_000L / 3_600_000L * 3_600_000L;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    /** [entity][step]: an AR(1) around a level per entity, from DRIFT on plus a swing of 12 steps and 15 units. */
    static final double[][] OIL = oil();

    static double[][] oil() {
        double[][] oil = new double[ENTITIES][LAST];
        for (int e = 0; e < ENTITIES; e++) {
            Random random = new Random(17 + e);
            double x = 0;
            for (int s = 0; s < LAST; s++) {
                x = 0.9 * x + random.nextGaussian();
                oil[e][s] = 30 + 3 * e + x + (s >= DRIFT ? 15 * Math.sin(2 * Math.PI * (s - DRIFT) / 12.0) : 0);
            }
        }
        return oil;
    }

    @Test
    void aDriftRetrainsTheChallengerIsShadowedWinsIsPromotedAndForecastsComeFromIt() throws Exception {
        assumeThat(Service.REGISTRY.built() && Service.TRAINER_SERVICE.built() && Service.FORECASTER.built())
                .as("the registry, forecaster and trainer service are built (mvn verify builds them before these tests)").isTrue();
        Path token = Files.writeString(tmp.resolve("write-token"), WRITE + "\n");
        try (LocalBroker broker = LocalBroker.start(new LocalBroker.Settings(tmp.resolve("broker"), "127.0.0.1",
                Ports.pickFree("127.0.0.1"), Ports.pickFree("127.0.0.1")))) {
            String bootstrap = broker.bootstrapServers();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                TopicProvisioner.ensure(admin, Topics.ALL, (short) 1);
                PastEventTimes.keepFeatures(admin); // the history is of 2023: a drift run reads it after a retention check
            }
            AtomicInteger sent = new AtomicInteger();
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    bootstrap), new ByteArraySerializer(), new ByteArraySerializer())) {
                producer.send(new ProducerRecord<>(Topics.FEATURE_SPECS.name(), SPEC.id().getBytes(StandardCharsets.UTF_8),
                        Codecs.FEATURE_SPEC.encode(SPEC))).get();
                for (int s = 0; s < HISTORY; s++) {
                    send(producer, s);
                }
                producer.flush();
                sent.set(HISTORY);
            }
            try (ServiceProcess registry = ServiceProcess.start(Service.REGISTRY, Ports.pickFree("127.0.0.1"), List.of(),
                    List.of("registry.data-dir=" + tmp.resolve("registry"), "kafka.bootstrap.servers=" + bootstrap,
                            "registry.auth.read-open=true"),
                    Map.of("REGISTRY_AUTH_WRITE_TOKENS", WRITE), tmp.resolve("registry.log"));
                 ServiceProcess trainer = ServiceProcess.start(Service.TRAINER_SERVICE, Ports.pickFree("127.0.0.1"),
                         List.of("-Dai.djl.offline=true"), List.of("kafka.bootstrap.servers=" + bootstrap,
                                 "trainer.registry.url=" + registry.url(""), "trainer.registry.token-file=" + token,
                                 "trainer.auth.token-file=" + token, "trainer.run.out=" + tmp.resolve("runs"),
                                 "trainer.live.min-pairs=60", "trainer.live.max-pairs=1200", "trainer.live.drift-errors=600",
                                 "trainer.live.season=12",
                                 "trainer.run.options=--mode S --target oil_c.mean --arch gru --lookback 12 --horizon 6"
                                         + " --epochs 1 --hidden 8 --layers 1 --max-train-windows 128 --season 12 --history PT100H"),
                         Map.of(), tmp.resolve("trainer.log"))) {
                Awaitility.await().atMost(Duration.ofMinutes(2)).until(() -> registry.isReady() && trainer.isReady());
                JsonNode first = awaitRun(trainer, 1);
                assertThat(first.path("state").asText()).as(first.toString()).isEqualTo("succeeded");
                assertThat(first.path("alias").asText()).isEqualTo("champion");
                long champion = first.path("version").asLong();

                try (ServiceProcess forecaster = ServiceProcess.start(Service.FORECASTER, Ports.pickFree("127.0.0.1"), List.of(), List.of(
                        "kafka.bootstrap.servers=" + bootstrap, "forecaster.registry.url=" + registry.url(""),
                        "forecaster.model.name=fleet", "forecaster.model.cache-dir=" + tmp.resolve("bundles"),
                        "forecaster.shadow.enabled=true", "streamcast.state-dir=" + tmp.resolve("forecaster-state")),
                        Map.of(), tmp.resolve("forecaster.log"))) {
                    Awaitility.await().atMost(Duration.ofMinutes(2)).until(forecaster::isReady);
                    KafkaProducer<byte[], byte[]> live = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                            bootstrap), new ByteArraySerializer(), new ByteArraySerializer());
                    java.util.concurrent.ScheduledExecutorService stream = stream(live, sent);
                    try {
                        // the drift: a run whose trigger says so, whose winner becomes the challenger
                        JsonNode drift;
                        try {
                            Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1))
                                    .until(() -> get(trainer, "/api/runs").path("runs").size() >= 2);
                            drift = awaitRun(trainer, 2);
                        } catch (org.awaitility.core.ConditionTimeoutException e) {
                            throw new AssertionError("no drift run: " + get(trainer, "/api/live") + "\n" + Files.readString(trainer.log()), e);
                        }
                        assertThat(drift.path("trigger").asText()).as(drift.toString()).isEqualTo("drift");
                        assertThat(drift.path("reason").asText()).startsWith("fleet@" + champion + " live MAE");
                        assertThat(drift.path("state").asText()).as(drift.toString()).isEqualTo("succeeded");
                        assertThat(drift.path("alias").asText()).isEqualTo("challenger");
                        long challenger = drift.path("version").asLong();

                        // shadowed by the forecaster, compared on its forecasts, promoted; the trainer lists a decision
                        // once all its registry writes (both aliases, then the tag) are done, so wait for that, not the first
                        try {
                            Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                                JsonNode latest = get(trainer, "/api/live").at("/decisions/0");
                                return latest.path("promoted").asBoolean() && latest.path("applied").asBoolean()
                                        && get(registry, "/api/models/fleet").at("/aliases/champion").asLong() == challenger;
                            });
                        } catch (org.awaitility.core.ConditionTimeoutException e) {
                            throw new AssertionError("not promoted: " + get(trainer, "/api/live") + "\n" + Files.readString(trainer.log()), e);
                        }
                        JsonNode model = get(registry, "/api/models/fleet");
                        assertThat(model.at("/aliases/challenger").asLong()).as("the old champion, shadowed now").isEqualTo(champion);
                        assertThat(model.at("/tags/promotion.last").asText()).startsWith("promoted fleet@" + challenger + " over fleet@" + champion);
                        JsonNode decision = get(trainer, "/api/live").at("/decisions/0");
                        assertThat(decision.path("challengerMse").asDouble()).isLessThan(decision.path("championMse").asDouble());
                        assertThat(decision.path("pairs").asInt()).isGreaterThanOrEqualTo(60);

                        // the forecaster's forecasts come from the promoted model, the old champion's from the shadow
                        assertThat(awaitForecastBy(bootstrap, Topics.FORECASTS.name(), "fleet@" + challenger)).isTrue();
                        assertThat(awaitForecastBy(bootstrap, Topics.FORECASTS_SHADOW.name(), "fleet@" + champion)).isTrue();
                    } finally {
                        stream.shutdownNow();
                        stream.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
                        live.close();
                    }
                }
            }
        }
    }

    /** One step of every entity every 100 ms (a stream's pace, not a wait), from where the history ended until the data end. */
    private static java.util.concurrent.ScheduledExecutorService stream(KafkaProducer<byte[], byte[]> producer, AtomicInteger sent) {
        java.util.concurrent.ScheduledExecutorService pace = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        pace.scheduleAtFixedRate(() -> {
            int s = sent.get();
            if (s < LAST) {
                send(producer, s);
                producer.flush();
                sent.set(s + 1);
            }
        }, 0, 100, java.util.concurrent.TimeUnit.MILLISECONDS);
        return pace;
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, int s) {
        for (int e = 0; e < ENTITIES; e++) {
            FeatureVector v = new FeatureVector(SPEC.id(), START + s * SPEC.stepMillis(), START + (s + 1) * SPEC.stepMillis(),
                    new double[]{OIL[e][s]}, new boolean[]{true});
            producer.send(new ProducerRecord<>(Topics.FEATURES.name(), null, v.windowEnd(), ("t" + e).getBytes(StandardCharsets.UTF_8),
                    Codecs.FEATURE_VECTOR.encode(v)));
        }
    }

    /** Whether a forecast by {@code model} appears on {@code topic} within a minute. */
    private static boolean awaitForecastBy(String bootstrap, String topic, String model) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.currentTimeMillis() + 60_000;
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    Forecast forecast = Codecs.FORECAST.decode(record.value()).value();
                    if (forecast.model().equals(model)) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    private static JsonNode awaitRun(ServiceProcess trainer, long id) throws Exception {
        try {
            Awaitility.await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                HttpResponse<String> r = send(trainer, "/api/runs/" + id);
                return r.statusCode() == 200 && !"running".equals(JSON.readTree(r.body()).path("state").asText());
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("run " + id + " did not end: " + send(trainer, "/api/runs").body()
                    + "\nthe trainer's log:\n" + Files.readString(trainer.log()), e);
        }
        return JSON.readTree(send(trainer, "/api/runs/" + id).body());
    }

    private static JsonNode get(ServiceProcess p, String path) throws Exception {
        HttpResponse<String> r = send(p, path);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static HttpResponse<String> send(ServiceProcess p, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(p.url(path))).timeout(Duration.ofSeconds(20)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
