package dev.streamcast.trainer.service;

import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.testkit.KafkaFixture;
import dev.streamcast.testkit.KafkaTestResource;
import dev.streamcast.testkit.Signals;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The trainer service on a real broker: a run with too little history is refused with its reason and publishes
 * nothing; starting and cancelling runs needs the write token; a trigger while a run is going starts no second one;
 * a run is cancelled at its next epoch; the metrics count runs by trigger and outcome; enough new history starts a
 * run. (Publishing and the aliases,
 * with a real registry, are in deploy/local's TrainerServiceProcessTest.)
 */
@QuarkusTest
@TestProfile(TrainerServiceTest.Profile.class)
@WithTestResource(KafkaTestResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrainerServiceTest {

    static final String TOKEN = "trainer-test-token-0123456789";
    static final long HOUR = 3_600_000L;
    static final long START = 1_700_000_000_000L / HOUR * HOUR;
    static final FeatureSpec SPEC = FeatureSpec.of(HOUR, List.of("load_mw.mean", "oil_c.mean"));

    public static final class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("trainer.auth.write-tokens", TOKEN,
                    // no registry in this module's tests: nothing gets as far as publishing
                    "trainer.registry.url", "http://127.0.0.1:9",
                    "trainer.schedule.bootstrap", "false",
                    "trainer.schedule.new-vectors", "700",
                    "trainer.run.out", "target/trainer-service-runs",
                    "trainer.run.options", "--mode S --target oil_c.mean --arch gru --lookback 24 --horizon 6 --epochs 500"
                            + " --patience 500 --hidden 8 --layers 1 --learning-rates default --kafka-timeout-s 10");
        }
    }

    KafkaFixture kafka;

    private void produce(String entity, int steps) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties())) {
            producer.send(new ProducerRecord<>(Topics.FEATURE_SPECS.name(), SPEC.id().getBytes(StandardCharsets.UTF_8),
                    Codecs.FEATURE_SPEC.encode(SPEC))).get();
            for (int s = 0; s < steps; s++) {
                FeatureVector v = new FeatureVector(SPEC.id(), START + s * HOUR, START + (s + 1) * HOUR,
                        new double[]{Signals.value(0, 0, s, 24), Signals.value(0, 1, s, 24)}, new boolean[]{true, true});
                producer.send(new ProducerRecord<>(Topics.FEATURES.name(), entity.getBytes(StandardCharsets.UTF_8),
                        Codecs.FEATURE_VECTOR.encode(v)));
            }
            producer.flush();
        }
    }

    private static JsonPath run(long id) {
        return given().get("/api/runs/" + id).then().statusCode(200).extract().jsonPath();
    }

    private static long start(String reason) {
        return given().auth().oauth2(TOKEN).queryParam("reason", reason).post("/api/runs").then().statusCode(202)
                .extract().jsonPath().getLong("id");
    }

    @Test
    @Order(1)
    void startingARunNeedsTheWriteToken() {
        assertThat(given().post("/api/runs").then().statusCode(401).extract().jsonPath().getString("error"))
                .contains("needs a write token");
        given().auth().oauth2("not-the-token-0123456789").post("/api/runs").then().statusCode(401);
        given().delete("/api/runs/1").then().statusCode(401);
        assertThat(given().get("/api/runs").then().statusCode(200).extract().jsonPath().getList("runs")).isEmpty();
    }

    @Test
    @Order(2)
    void aRunWithTooLittleHistoryIsRefusedWithItsReasonAndPublishesNothing() throws Exception {
        produce("transformer-short", 30);
        long id = start("a test: 30 hours of history");
        await().atMost(Duration.ofSeconds(60)).until(() -> !"running".equals(run(id).getString("state")));
        JsonPath r = run(id);
        assertThat(r.getString("state")).isEqualTo("refused");
        assertThat(r.getString("trigger")).isEqualTo("request");
        assertThat(r.getString("reason")).isEqualTo("a test: 30 hours of history");
        assertThat(r.getString("outcome")).contains("none of the 1 series has enough rows").contains("look-back 24");
        assertThat(r.getMap("published")).isNull();
        assertThat(Files.exists(Path.of("target/trainer-service-runs/run-" + id))).as("no bundle written").isFalse();
        assertThat(metric("trainer_runs_total{outcome=\"refused\",trigger=\"request\"}")).isEqualTo(1.0);
    }

    @Test
    @Order(3)
    void aSecondTriggerWhileARunIsGoingStartsNothingAndARunCanBeCancelled() throws Exception {
        produce("transformer-long", 600);
        long id = start("a long run");
        await().atMost(Duration.ofSeconds(60)).until(() -> run(id).getList("progress", String.class).stream()
                .anyMatch(l -> l.startsWith("gru epoch")));

        JsonPath busy = given().auth().oauth2(TOKEN).post("/api/runs").then().statusCode(409).extract().jsonPath();
        assertThat(busy.getString("error")).contains("run " + id + " is going").contains("one run at a time");
        assertThat(busy.getLong("running.id")).isEqualTo(id);
        assertThat(given().get("/api/runs").jsonPath().getLong("running.id")).isEqualTo(id);

        given().auth().oauth2(TOKEN).delete("/api/runs/" + id).then().statusCode(202);
        await().atMost(Duration.ofSeconds(60)).until(() -> "cancelled".equals(run(id).getString("state")));
        assertThat(run(id).getString("outcome")).contains("was cancelled");
        assertThat(given().get("/api/runs").jsonPath().getString("running")).isNull();
        given().auth().oauth2(TOKEN).delete("/api/runs/" + id).then().statusCode(409);
        given().get("/api/runs/999").then().statusCode(404);
        assertThat(metric("trainer_runs_total{outcome=\"cancelled\",trigger=\"request\"}")).isEqualTo(1.0);
        assertThat(metric("trainer_runs_total{outcome=\"succeeded\",trigger=\"drift\"}")).as("every series from the start").isZero();
    }

    @Test
    @Order(4)
    void enoughNewHistoryStartsARun() throws Exception {
        int before = given().get("/api/runs").jsonPath().getList("runs").size();
        produce("transformer-later", 700); // counted since the last run started: 700 reach the threshold
        await().atMost(Duration.ofSeconds(60)).until(() -> given().get("/api/runs").jsonPath().getList("runs").size() > before);
        JsonPath r = given().get("/api/runs").jsonPath();
        assertThat(r.getString("runs[0].trigger")).isEqualTo("history");
        assertThat(r.getString("runs[0].reason")).isEqualTo("700 new feature vectors since the last run");
        long id = r.getLong("runs[0].id");
        given().auth().oauth2(TOKEN).delete("/api/runs/" + id); // no registry here: it would only fail at publishing
        await().atMost(Duration.ofSeconds(60)).until(() -> !"running".equals(run(id).getString("state")));
    }

    private static double metric(String series) {
        return given().get("/q/metrics").asString().lines().filter(l -> l.startsWith(series + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(series.length() + 1).strip())).orElseThrow(
                        () -> new AssertionError("no series " + series));
    }
}
