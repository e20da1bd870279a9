package dev.streamcast.ingest.health;

import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.records.SensorReading;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.testkit.KafkaFixture;
import dev.streamcast.testkit.KafkaTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/**
 * A vector the broker refuses (here: larger than {@code max.message.bytes} of {@code features}, lowered
 * while ingest runs) stops the stream loudly instead of being skipped: counted, liveness DOWN with the
 * cause, and nothing lost: once the limit is fixed, ingest started again writes the very vector.
 */
@QuarkusTest
@TestProfile(RefusedVectorStopsTheStreamTest.OwnApplication.class)
@WithTestResource(KafkaTestResource.class)
class RefusedVectorStopsTheStreamTest {

    /** Its own application and broker: this test kills the stream, which the other Quarkus tests need running. */
    public static class OwnApplication implements QuarkusTestProfile {
    }

    KafkaFixture kafka;

    @Inject
    StreamsConfig streamsConfig;

    @Inject
    Topology topology;

    @Test
    void aVectorTheBrokerRefusesStopsTheStreamAndIsWrittenOnceTheLimitIsFixed() throws Exception {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                given().get("/q/health/ready").then().statusCode(200).body(containsString("RUNNING")));
        given().get("/q/health/live").then().statusCode(200);
        ConfigResource features = new ConfigResource(ConfigResource.Type.TOPIC, Topics.FEATURES.name());
        try (Admin admin = kafka.admin()) {
            // every vector is larger than this (at start, ingest would have refused the topic)
            admin.incrementalAlterConfigs(Map.of(features, List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", "200"),
                    AlterConfigOp.OpType.SET)))).all().get();

            long size = 2_000L;
            long start = (System.currentTimeMillis() / size + 1) * size; // the next window, so nothing is late
            byte[] key = "transformer-07".getBytes(StandardCharsets.UTF_8);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties())) {
                producer.send(new ProducerRecord<>(Topics.SENSOR_READINGS.name(), key,
                        Codecs.SENSOR_READING.encode(SensorReading.of(start + 100, "oil_c", 60.0)))).get();
                producer.send(new ProducerRecord<>(Topics.SENSOR_READINGS.name(), key,
                        Codecs.SENSOR_READING.encode(SensorReading.of(start + 900, "oil_c", 70.0)))).get();
            }

            // the wall clock closes the window (2 s + 1 s grace); the broker refuses its vector; the stream stops
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().get("/q/health/live").then().statusCode(503)
                    .body("checks.data.state", hasItem("ERROR"))
                    .body("checks.data.error", hasItem(containsString("RecordTooLargeException"))));
            given().get("/q/health/ready").then().statusCode(503);
            String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
            assertThat(metrics).contains("ingest_handler_errors_total{stage=\"production\"} 1.0");
            assertThat(kafka.consume(Topics.FEATURES.name(), 1, Duration.ofSeconds(2))).isEmpty();

            // the limit fixed, the same application started again writes the vector: it was never skipped
            admin.incrementalAlterConfigs(Map.of(features, List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", ""),
                    AlterConfigOp.OpType.DELETE)))).all().get();
            Map<String, Object> restarted = new HashMap<>(streamsConfig.originals());
            restarted.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("ingest-restarted").toString());
            try (KafkaStreams again = new KafkaStreams(topology, new StreamsConfig(restarted))) {
                again.start();
                List<ConsumerRecord<byte[], byte[]>> vectors = kafka.consume(Topics.FEATURES.name(), 1, Duration.ofSeconds(90));

                // the first vector of the entity is the refused one (imputed ones for the quiet windows after it follow)
                assertThat(vectors).isNotEmpty();
                assertThat(vectors.get(0).key()).isEqualTo(key);
                FeatureSpec spec = Codecs.FEATURE_SPEC.decode(
                        kafka.consume(Topics.FEATURE_SPECS.name(), 1, Duration.ofSeconds(30)).get(0).value()).value();
                FeatureVector vector = Codecs.FEATURE_VECTOR.decode(vectors.get(0).value()).value();
                assertThat(vector.windowStart()).isEqualTo(start);
                assertThat(vector.values()[spec.indexOf("oil_c.mean")]).isEqualTo(65.0);
                assertThat(vector.values()[spec.indexOf("oil_c.last")]).isEqualTo(70.0);
                assertThat(vector.values()[spec.indexOf("oil_c.count")]).isEqualTo(2.0);
                again.close(new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(30)));
            }
        }
        given().get("/q/health/live").then().statusCode(503).body("checks.data.state", hasItem(equalTo("ERROR")));
    }
}
