package dev.streamcast.ingest;

import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.records.SensorReading;
import dev.streamcast.contracts.records.TextEvent;
import dev.streamcast.contracts.topics.DlqHeaders;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.testkit.KafkaFixture;
import dev.streamcast.testkit.KafkaTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * The whole ingest application on a real broker: every counter at zero from the start, then records
 * in, vectors and DLQ records out, health and metrics.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IngestApplicationTest {

    KafkaFixture kafka;

    @Test
    @Order(1)
    void everyCounterAnAlertCanNameIsScrapedAtZeroBeforeTheFirstRecord() {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        for (String reason : List.of("MALFORMED", "BAD_TIMESTAMP", "TIMESTAMP_OUT_OF_BOUNDS", "NON_FINITE", "TEXT_TOO_LONG", "BAD_KEY",
                "UNKNOWN_CHANNEL", "LATE", "PROCESSING_ERROR")) {
            assertThat(metrics).contains("ingest_dlq_total{reason=\"" + reason + "\"} 0.0");
        }
        for (String stage : List.of("deserialization", "production", "processing")) {
            assertThat(metrics).contains("ingest_handler_errors_total{stage=\"" + stage + "\"} 0.0");
        }
        assertThat(metrics).contains("ingest_records_in_total{topic=\"sensor-readings\"} 0.0")
                .contains("ingest_records_in_total{topic=\"text-events\"} 0.0")
                .contains("ingest_vectors_out_total 0.0")
                .contains("ingest_late_total 0.0")
                .contains("ingest_imputed_values_total 0.0")
                .contains("ingest_unknown_channel_values_total 0.0")
                .contains("ingest_state_discarded_total 0.0")
                .contains("ingest_active_entities 0.0")
                .contains("streamcast_live 1.0")
                .containsPattern("(?m)^streamcast_ready [01]\\.0$"); // starting: UP once the stream runs
    }

    @Test
    @Order(2)
    void windowsRealRecordsIntoVectorsAndRoutesBadOnesToTheDlq() throws Exception {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                given().get("/q/health/ready").then().statusCode(200).body(containsString("RUNNING")));

        long size = 2_000L;
        long start = (System.currentTimeMillis() / size + 1) * size; // the next window, so nothing is late
        byte[] malformed = "{\"ts\":".getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties())) {
            for (String entity : List.of("transformer-01", "transformer-02")) {
                byte[] key = entity.getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(Topics.SENSOR_READINGS.name(), key,
                        Codecs.SENSOR_READING.encode(new SensorReading(start + 100, Map.of("oil_c", 60.0, "load_mw", 30.0)))));
                producer.send(new ProducerRecord<>(Topics.SENSOR_READINGS.name(), key,
                        Codecs.SENSOR_READING.encode(new SensorReading(start + 900, Map.of("oil_c", 70.0)))));
                producer.send(new ProducerRecord<>(Topics.TEXT_EVENTS.name(), key,
                        Codecs.TEXT_EVENT.encode(new TextEvent(start + 500, "ALARM oil temperature high", "scada"))));
            }
            producer.send(new ProducerRecord<>(Topics.SENSOR_READINGS.name(), "transformer-01".getBytes(StandardCharsets.UTF_8), malformed));
        }

        List<ConsumerRecord<byte[], byte[]>> refused = kafka.consume(Topics.INGEST_DLQ.name(), 1, Duration.ofSeconds(60));
        assertThat(refused).hasSize(1);
        assertThat(refused.get(0).value()).isEqualTo(malformed);
        assertThat(DlqHeaders.read(refused.get(0).headers(), DlqHeaders.REASON)).isEqualTo("MALFORMED");
        assertThat(DlqHeaders.read(refused.get(0).headers(), DlqHeaders.SOURCE_TOPIC)).isEqualTo("sensor-readings");

        // the partition falls silent: the wall clock closes the window (2 s + 1 s grace)
        List<ConsumerRecord<byte[], byte[]>> vectors = kafka.consume(Topics.FEATURES.name(), 2, Duration.ofSeconds(60));
        assertThat(vectors).hasSize(2);
        FeatureSpec spec = Codecs.FEATURE_SPEC.decode(
                kafka.consume(Topics.FEATURE_SPECS.name(), 1, Duration.ofSeconds(30)).get(0).value()).value();
        for (ConsumerRecord<byte[], byte[]> record : vectors) {
            FeatureVector v = Codecs.FEATURE_VECTOR.decode(record.value()).value();
            assertThat(v.specId()).isEqualTo(spec.id());
            assertThat(v.windowStart()).isEqualTo(start);
            assertThat(v.values()[spec.indexOf("oil_c.mean")]).isEqualTo(65.0);
            assertThat(v.values()[spec.indexOf("oil_c.last")]).isEqualTo(70.0);
            assertThat(v.values()[spec.indexOf("load_mw.count")]).isEqualTo(1.0);
            assertThat(v.values()[spec.indexOf("text.count")]).isEqualTo(1.0);
            assertThat(v.values()[spec.indexOf("text.kw.alarm")]).isEqualTo(1.0);
            assertThat(v.observed()[spec.indexOf("voltage_kv.mean")]).isFalse();
        }

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).contains("ingest_records_in_total{topic=\"sensor-readings\"} 5.0")
                .contains("ingest_records_in_total{topic=\"text-events\"} 2.0")
                .contains("ingest_dlq_total{reason=\"MALFORMED\"} 1.0")
                .contains("ingest_vectors_out_total 2.0")
                .contains("ingest_late_total 0.0")
                .contains("ingest_active_entities 2.0")
                .contains("streamcast_ready 1.0")
                .contains("streamcast_live 1.0");
        given().get("/q/health/ready").then().statusCode(200).body("checks[0].data.state", equalTo("RUNNING"));
    }
}
