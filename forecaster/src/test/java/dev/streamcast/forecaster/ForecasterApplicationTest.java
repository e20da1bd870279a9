package dev.streamcast.forecaster;

import dev.streamcast.trainer.testing.TestBundles;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.records.Forecast;
import dev.streamcast.contracts.records.ModelEvent;
import dev.streamcast.contracts.topics.DlqHeaders;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.forecaster.serving.ForecastTopology;
import dev.streamcast.testkit.KafkaFixture;
import dev.streamcast.testkit.KafkaTestResource;
import dev.streamcast.trainer.data.Mode;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * The forecaster application on a real broker with real bundles in ONNX Runtime, in order: forecasts
 * flow and equal the offline sequence graph, online errors are measured, a mismatched spec is
 * refused, the model is swapped under traffic, a broken model leaves the previous one serving, and
 * idle entities expire; last, a stopped stream is not live.
 */
@QuarkusTest
@WithTestResource(KafkaTestResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ForecasterApplicationTest {

    static final String MODEL = "fleet";
    static final int ENTITIES = 3;

    KafkaFixture kafka;

    @Inject
    KafkaStreams streams;

    static Path bundles() {
        return Path.of(ConfigProvider.getConfig().getValue("forecaster.model.dir", String.class));
    }

    /**
     * Produces steps [fromStep, toStep) of every entity; {@code paced}: each step only once the
     * forecasts of the previous one are out, so the stream keeps arriving while the service works.
     */
    void produce(int fromStep, int toStep, boolean paced) throws Exception {
        try (KafkaConsumer<byte[], byte[]> forecasts = new KafkaConsumer<>(kafka.consumerProperties())) {
            forecasts.subscribe(List.of(Topics.FORECASTS.name()));
            Map<String, Long> latest = new HashMap<>();
            produce(fromStep, toStep, paced ? step -> await().atMost(Duration.ofSeconds(60)).pollInSameThread().until(() -> {
                for (ConsumerRecord<byte[], byte[]> r : forecasts.poll(Duration.ofMillis(100))) {
                    latest.merge(new String(r.key(), StandardCharsets.UTF_8), Codecs.FORECAST.decode(r.value()).value().origin(),
                            Math::max);
                }
                long origin = TestStream.START + step * TestStream.STEP;
                return latest.size() == ENTITIES && latest.values().stream().allMatch(o -> o >= origin);
            }) : step -> { });
        }
    }

    void produce(int fromStep, int toStep, java.util.function.IntConsumer afterStep) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties())) {
            producer.send(new ProducerRecord<>(Topics.FEATURE_SPECS.name(), TestStream.SPEC.id().getBytes(StandardCharsets.UTF_8),
                    Codecs.FEATURE_SPEC.encode(TestStream.SPEC))).get();
            for (int s = fromStep; s < toStep; s++) {
                TestStream.produce(producer, ENTITIES, s, s + 1);
                afterStep.accept(s);
            }
        }
    }

    /** Every forecast so far, by entity, in order. */
    Map<String, List<Forecast>> forecasts(int expected) {
        Map<String, List<Forecast>> byEntity = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : kafka.consume(Topics.FORECASTS.name(), expected, Duration.ofSeconds(60))) {
            byEntity.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                    .add(Codecs.FORECAST.decode(r.value()).value());
        }
        return byEntity;
    }

    static String metrics() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** The value of the series {@code name{labels}} ({@code labels} empty: a series without labels), NaN when absent. */
    static double metric(String text, String name, String labels) {
        String series = Pattern.quote(name) + (labels.isEmpty() ? "" : "\\{" + labels + "\\}");
        Matcher m = Pattern.compile("(?m)^" + series + " ([0-9.eE+-]+)$").matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    @Test
    @Order(1)
    void withoutAModelTheServiceIsUpButNotReadyAndSaysWhy() {
        given().get("/q/health/live").then().statusCode(200);
        String body = given().get("/q/health/ready").then().statusCode(503).extract().asString();
        assertThat(body).contains("has no alias champion for model fleet");

        String text = metrics();
        assertThat(metric(text, "streamcast_ready", "")).isZero();
        assertThat(metric(text, "streamcast_live", "")).isEqualTo(1.0);
        assertThat(metric(text, "forecaster_model_loaded", "slot=\"served\"")).isZero();
    }

    @Test
    @Order(1)
    void everyCounterAnAlertCanNameIsScrapedAtZeroBeforeAnythingHappened() {
        String text = metrics();
        for (String reason : List.of("BAD_KEY", "MALFORMED", "PROCESSING_ERROR", "UNKNOWN_SPEC", "SPEC_MISMATCH", "MODEL_ERROR",
                "NON_FINITE_OUTPUT")) {
            assertThat(metric(text, "forecaster_refused_total", "reason=\"" + reason + "\"")).as(reason).isZero();
        }
        for (String name : List.of("forecaster_model_swaps_total", "forecaster_model_swap_failures_total",
                "forecaster_model_rejections_total", "forecaster_newer_model_waits_total", "forecaster_stepped_by_older_model_total",
                "forecaster_entities_expired_total", "forecaster_state_discarded_total", "forecaster_forecasts_out_total",
                "forecaster_stale_inputs_total", "forecaster_end_to_end_seconds_count", "forecaster_inference_seconds_count",
                "forecaster_batch_size_count", "forecaster_entities", "forecaster_stale_entities", "forecaster_model_version")) {
            assertThat(metric(text, name, "slot=\"served\"")).as(name).isZero();
        }
        assertThat(metric(text, "forecaster_held_vectors", "slot=\"all\"")).isZero();
        assertThat(metric(text, "forecaster_records_in_total", "")).isZero();
        assertThat(text).as("no shadow slot is configured").doesNotContain("slot=\"shadow\"");
    }

    @Test
    @Order(2)
    void forecastsFlowInOriginalUnitsAndEqualTheOfflineSequence() throws Exception {
        TestStream.bundle(bundles(), MODEL, 1, "gru", Mode.M);
        TestBundles.alias(bundles(), MODEL, "champion", 1);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200));

        produce(0, 24, false);

        int perEntity = 24 - TestStream.LOOKBACK + 1;
        Map<String, List<Forecast>> all = forecasts(ENTITIES * perEntity);
        double expectedError = 0;
        for (int e = 0; e < ENTITIES; e++) {
            List<Forecast> forecasts = all.get("e" + e);
            assertThat(forecasts).hasSize(perEntity);
            double[][] offline = TestStream.offline(bundles().resolve(MODEL + "/1"), e, 24);
            for (int i = 0; i < perEntity; i++) {
                Forecast f = forecasts.get(i);
                int step = TestStream.LOOKBACK - 1 + i;
                assertThat(f.origin()).isEqualTo(TestStream.START + step * TestStream.STEP);
                assertThat(f.model()).isEqualTo("fleet@1");
                assertThat(f.specId()).isEqualTo(TestStream.SPEC.id());
                for (int h = 0; h < TestStream.HORIZON; h++) {
                    assertThat(f.steps().get(h).point().get("oil_c.mean")).isCloseTo(offline[step][h * 3 + 1], within(1e-4));
                }
                if (step + 1 < 24) { // its one-step-ahead actual has arrived
                    expectedError += Math.abs(TestStream.value(e, step + 1, 1) - f.steps().get(0).point().get("oil_c.mean"));
                }
            }
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(metric(metrics(), "forecaster_abs_error_count",
                "horizon=\"1\",model=\"fleet@1\",slot=\"served\",target=\"oil_c.mean\"")).isEqualTo(ENTITIES * (perEntity - 1.0)));
        String text = metrics();
        assertThat(metric(text, "forecaster_abs_error_sum", "horizon=\"1\",model=\"fleet@1\",slot=\"served\",target=\"oil_c.mean\""))
                .isCloseTo(expectedError, within(1e-3));
        assertThat(text).contains("forecaster_records_in_total " + (24.0 * ENTITIES))
                .contains("forecaster_forecasts_out_total{slot=\"served\"} " + (double) (ENTITIES * perEntity))
                .contains("forecaster_model_version{slot=\"served\"} 1.0")
                .contains("forecaster_entities{slot=\"served\"} 3.0")
                .contains("forecaster_inference_seconds_count{slot=\"served\"}")
                .contains("forecaster_end_to_end_seconds_count{slot=\"served\"}");
        assertThat(metric(text, "forecaster_stale_entities", "slot=\"served\"")).as("every entity forecasts").isZero();
        assertThat(metric(text, "forecaster_model_loaded", "slot=\"served\"")).isEqualTo(1.0);
        assertThat(metric(text, "streamcast_ready", "")).isEqualTo(1.0);
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    @Order(3)
    void featuresOfASpecTheModelCannotReadAreRefusedToTheDlq() throws Exception {
        FeatureSpec narrow = FeatureSpec.of(TestStream.STEP, List.of("load_mw.mean"));
        byte[] vector = Codecs.FEATURE_VECTOR.encode(new FeatureVector(narrow.id(), TestStream.START, TestStream.START + TestStream.STEP,
                new double[]{1.0}, new boolean[]{true}));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties())) {
            producer.send(new ProducerRecord<>(Topics.FEATURE_SPECS.name(), narrow.id().getBytes(StandardCharsets.UTF_8),
                    Codecs.FEATURE_SPEC.encode(narrow))).get();
            ReadOnlyKeyValueStore<String, byte[]> specs = streams.store(StoreQueryParameters.fromNameAndType(
                    ForecastTopology.SPECS_STORE, QueryableStoreTypes.keyValueStore()));
            await().atMost(Duration.ofSeconds(30)).until(() -> specs.get(narrow.id()) != null); // fed by the global thread
            producer.send(new ProducerRecord<>(Topics.FEATURES.name(), "feeder-9".getBytes(StandardCharsets.UTF_8), vector)).get();
        }

        List<ConsumerRecord<byte[], byte[]>> refused = kafka.consume(Topics.FORECASTER_DLQ.name(), 1, Duration.ofSeconds(30));

        assertThat(refused).hasSize(1);
        assertThat(refused.get(0).value()).isEqualTo(vector);
        assertThat(DlqHeaders.read(refused.get(0).headers(), DlqHeaders.REASON)).isEqualTo("SPEC_MISMATCH");
        assertThat(DlqHeaders.read(refused.get(0).headers(), DlqHeaders.DETAIL))
                .contains("fleet@1 needs features [oil_c.mean, voltage_kv.mean] that spec " + narrow.id() + " lacks");
        assertThat(metrics()).contains("forecaster_refused_total{reason=\"SPEC_MISMATCH\"} 1.0");
    }

    @Test
    @Order(4)
    void aModelEventSwapsTheModelUnderTrafficWithoutLosingAStep() throws Exception {
        TestStream.bundle(bundles(), MODEL, 2, "dlinear", Mode.M);
        produce(24, 30, true);
        publish(2, 1L);
        produce(30, 40, true);

        int perEntity = 40 - TestStream.LOOKBACK + 1;
        Map<String, List<Forecast>> all = forecasts(ENTITIES * perEntity);
        for (int e = 0; e < ENTITIES; e++) {
            List<Forecast> forecasts = all.get("e" + e);
            assertThat(forecasts).hasSize(perEntity);
            double[][] v2 = TestStream.offline(bundles().resolve(MODEL + "/2"), e, 40);
            boolean swapped = false;
            for (int i = 0; i < perEntity; i++) {
                Forecast f = forecasts.get(i);
                int step = TestStream.LOOKBACK - 1 + i;
                assertThat(f.origin()).as("every step exactly once, in order").isEqualTo(TestStream.START + step * TestStream.STEP);
                if (f.model().equals("fleet@2")) {
                    swapped = true;
                    // warmed on the entity's recent inputs: as if fleet@2 had always served it
                    assertThat(f.steps().get(0).point().get("oil_c.mean")).isCloseTo(v2[step][1], within(1e-4));
                } else {
                    assertThat(swapped).as("never back to the old model").isFalse();
                    assertThat(f.model()).isEqualTo("fleet@1");
                }
            }
            assertThat(swapped).as("entity e%d served by fleet@2 at the end", e).isTrue();
        }
        assertThat(metrics()).contains("forecaster_model_version{slot=\"served\"} 2.0")
                .contains("forecaster_model_swaps_total{slot=\"served\"} 2.0");
    }

    @Test
    @Order(5)
    void aModelThatFailsToLoadLeavesThePreviousOneServing() throws Exception {
        Path v3 = bundles().resolve(MODEL + "/3");
        Files.createDirectories(v3);
        try (var files = Files.list(bundles().resolve(MODEL + "/2"))) {
            for (Path file : files.toList()) {
                Files.copy(file, v3.resolve(file.getFileName()));
            }
        }
        Files.write(v3.resolve("step.onnx"), new byte[]{1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        publish(3, 2L);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(metrics()).contains("forecaster_model_swap_failures_total{slot=\"served\"} 1.0"));
        produce(40, 42, false);

        List<Forecast> latest = forecasts(ENTITIES * (42 - TestStream.LOOKBACK + 1)).get("e0");
        assertThat(latest.get(latest.size() - 1).model()).isEqualTo("fleet@2");
        String health = given().get("/q/health/ready").then().statusCode(200).extract().asString();
        assertThat(health).contains("fleet@3 failed to load").contains("step.onnx");
    }

    @Test
    @Order(6)
    void entitiesIdleForLongerThanTheTtlLoseTheirState() throws Exception {
        ReadOnlyKeyValueStore<String, byte[]> store = streams.store(StoreQueryParameters.fromNameAndType(
                ForecastTopology.STATE_STORE_PREFIX + "served", QueryableStoreTypes.keyValueStore()));
        assertThat(store.get("e0")).isNotNull();
        long later = TestStream.START + 2 * 86_400_000L;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties())) {
            for (int p = 0; p < Topics.FEATURES.partitions(); p++) { // stream time is per partition: move every one on
                FeatureVector v = new FeatureVector(TestStream.SPEC.id(), later, later + TestStream.STEP, new double[]{1, 2, 3},
                        new boolean[]{true, true, true});
                producer.send(new ProducerRecord<>(Topics.FEATURES.name(), p, later + TestStream.STEP,
                        ("late-" + p).getBytes(StandardCharsets.UTF_8), Codecs.FEATURE_VECTOR.encode(v))).get();
            }
        }

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            assertThat(store.get("e0")).isNull();
            assertThat(store.get("e1")).isNull();
            assertThat(store.get("e2")).isNull();
        });
        assertThat(metric(metrics(), "forecaster_entities_expired_total", "slot=\"served\"")).isEqualTo(3.0);
    }

    @Test
    @Order(7)
    void aStreamThatHasStoppedIsNotLiveSoAnOrchestratorRestartsTheProcess() {
        given().get("/q/health/live").then().statusCode(200);

        streams.close(Duration.ofSeconds(30)); // stopped for good, as after a fatal error, in a process that goes on

        String live = given().get("/q/health/live").then().statusCode(503).extract().asString();
        assertThat(live).contains("NOT_RUNNING");
        given().get("/q/health/ready").then().statusCode(503);
        String text = metrics();
        assertThat(metric(text, "streamcast_live", "")).isZero();
        assertThat(metric(text, "streamcast_ready", "")).isZero();
    }

    void publish(long version, Long previous) throws Exception {
        ModelEvent event = new ModelEvent(ModelEvent.Type.ALIAS_MOVED, MODEL, version, "champion", previous,
                TestBundles.sha256(bundles(), MODEL, version), System.currentTimeMillis(), Map.of("champion", version));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties())) {
            producer.send(new ProducerRecord<>(Topics.MODEL_EVENTS.name(), MODEL.getBytes(StandardCharsets.UTF_8),
                    Codecs.MODEL_EVENT.encode(event))).get();
        }
    }
}
