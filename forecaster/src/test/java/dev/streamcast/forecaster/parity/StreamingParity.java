package dev.streamcast.forecaster.parity;

import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.Manifests;
import dev.streamcast.contracts.bundle.SequenceForecast;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.records.Forecast;
import dev.streamcast.contracts.records.SensorReading;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.forecaster.ForecasterSettings;
import dev.streamcast.forecaster.TestSettings;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.model.DirectoryBundleSource;
import dev.streamcast.forecaster.model.ModelLoader;
import dev.streamcast.forecaster.model.ModelSlot;
import dev.streamcast.forecaster.serving.ForecastTopology;
import dev.streamcast.ingest.IngestSettings;
import dev.streamcast.ingest.windowing.IngestMetrics;
import dev.streamcast.ingest.windowing.TopologyProducer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

/**
 * Streaming equals offline, end to end: sensor readings replayed through ingest (windows into
 * {@code features}) and the forecaster (forecasts) on a real broker, every forecast compared with
 * the bundle's {@code sequence.onnx} run offline over the same feature vectors, as the topic holds them.
 */
public final class StreamingParity {

    /** Readings per entity, one list entry per step: channel values at a timestamp inside the step's window. */
    public record Replay(Map<String, List<SensorReading>> readings, long windowMillis) {
    }

    /** The outcome: forecasts compared, the largest difference in original units, and the vectors seen. */
    public record Result(int forecasts, double maxAbsDiff, int vectors) {
    }

    private StreamingParity() {
    }

    public static Result run(String bootstrap, Path stateDir, Path bundles, String model, Replay replay, List<String> channels,
                             Duration timeout) throws Exception {
        IngestSettings defaults = IngestSettings.defaults();
        IngestSettings ingest = new IngestSettings(Duration.ofMillis(replay.windowMillis()), Duration.ZERO, channels,
                List.of(IngestSettings.Aggregate.MEAN), false, IngestSettings.Imputation.CARRY_FORWARD, Duration.ofDays(36500),
                false, defaults.textBuckets(), defaults.ngrams(), defaults.keywords(), defaults.maxTextChars(),
                Duration.ofDays(365L * 150), Duration.ofDays(365L * 150), Duration.ofSeconds(1), false, true,
                dev.streamcast.contracts.json.Encoding.JSON, defaults.closeSlice());
        ForecasterSettings forecaster = TestSettings.of(bundles, model, 256, false);
        ForecasterMetrics metrics = new ForecasterMetrics(new SimpleMeterRegistry());
        ModelSlot slot = new ModelSlot("served", model, "champion", Topics.FORECASTS.name(), new DirectoryBundleSource(bundles),
                new ModelLoader(ModelLoader.Provider.CPU, 0, 1), metrics);
        if (!slot.loadFromAlias()) {
            throw new IllegalStateException(slot.problem());
        }
        String run = UUID.randomUUID().toString().substring(0, 8);
        try (slot;
             KafkaStreams windows = start(bootstrap, "parity-ingest-" + run, stateDir.resolve("ingest"),
                     TopologyProducer.build(ingest, new IngestMetrics(new SimpleMeterRegistry())));
             KafkaStreams serving = start(bootstrap, "parity-forecaster-" + run, stateDir.resolve("forecaster"),
                     ForecastTopology.build(forecaster, List.of(slot), metrics))) {
            int steps = 0;
            try (KafkaProducer<byte[], byte[]> producer = producer(bootstrap)) { // in time order across entities: nothing is late
                int longest = replay.readings().values().stream().mapToInt(List::size).max().orElse(0);
                for (int s = 0; s < longest; s++) {
                    for (Map.Entry<String, List<SensorReading>> entity : replay.readings().entrySet()) {
                        if (s < entity.getValue().size()) {
                            SensorReading r = entity.getValue().get(s);
                            producer.send(new ProducerRecord<>(Topics.SENSOR_READINGS.name(), null, r.ts(),
                                    entity.getKey().getBytes(StandardCharsets.UTF_8), Codecs.SENSOR_READING.encode(r)));
                            steps++;
                        }
                    }
                }
            }
            BundleManifest manifest = Manifests.read(bundles.resolve(model).resolve("1"));
            int expectedVectors = steps - replay.readings().size(); // the last window of each entity never closes
            Map<String, List<FeatureVector>> vectors = group(consume(bootstrap, Topics.FEATURES.name(), replay.readings().keySet(), expectedVectors, timeout),
                    Codecs.FEATURE_VECTOR::decode);
            int expectedForecasts = 0;
            for (List<FeatureVector> v : vectors.values()) {
                expectedForecasts += Math.max(0, v.size() - manifest.warmUpSteps() + 1);
            }
            Map<String, List<Forecast>> forecasts;
            try {
                forecasts = group(consume(bootstrap, Topics.FORECASTS.name(), replay.readings().keySet(), expectedForecasts, timeout),
                        Codecs.FORECAST::decode);
            } catch (IllegalStateException e) {
                throw new IllegalStateException(e.getMessage() + "; refused by the forecaster: " + refusals(bootstrap, replay), e);
            }
            int compared = 0;
            double max = 0;
            for (Map.Entry<String, List<FeatureVector>> entity : vectors.entrySet()) {
                double[][] offline = offline(bundles.resolve(model).resolve("1"), manifest, manifest.featureSpec().names(), entity.getValue());
                for (Forecast f : forecasts.getOrDefault(entity.getKey(), List.of())) {
                    int step = (int) ((f.origin() - entity.getValue().get(0).windowStart()) / replay.windowMillis());
                    for (int h = 0; h < manifest.horizon(); h++) {
                        for (int k = 0; k < manifest.targets().size(); k++) {
                            double streamed = f.steps().get(h).point().get(manifest.targets().get(k));
                            max = Math.max(max, Math.abs(streamed - offline[step][h * manifest.targets().size() + k]));
                        }
                    }
                    compared++;
                }
            }
            if (compared != expectedForecasts) {
                throw new IllegalStateException("expected " + expectedForecasts + " forecasts, got " + compared);
            }
            return new Result(compared, max, vectors.values().stream().mapToInt(List::size).sum());
        }
    }

    /** The DLQ reasons and details of this replay's vectors the forecaster refused, for the failure message. */
    private static List<String> refusals(String bootstrap, Replay replay) {
        List<String> reasons = new ArrayList<>();
        try {
            for (ConsumerRecord<byte[], byte[]> r : consume(bootstrap, Topics.FORECASTER_DLQ.name(), replay.readings().keySet(), 1,
                    Duration.ofSeconds(5))) {
                reasons.add(dev.streamcast.contracts.topics.DlqHeaders.read(r.headers(), dev.streamcast.contracts.topics.DlqHeaders.REASON)
                        + ": " + dev.streamcast.contracts.topics.DlqHeaders.read(r.headers(), dev.streamcast.contracts.topics.DlqHeaders.DETAIL));
                if (reasons.size() >= 3) {
                    break;
                }
            }
        } catch (IllegalStateException none) {
            reasons.add("none");
        }
        return reasons;
    }

    /** The bundle's sequence graph over one entity's vectors: point forecasts in original units, [S][H * T]. */
    /** {@code streamNames}: the feature names of the vectors' spec, in their order. */
    public static double[][] offline(Path bundle, BundleManifest m, List<String> streamNames, List<FeatureVector> vectors)
            throws Exception {
        try (SequenceForecast sequence = SequenceForecast.open(bundle, m)) {
            return sequence.of(streamNames, vectors);
        }
    }

    private static KafkaStreams start(String bootstrap, String app, Path stateDir, Topology topology) throws Exception {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        KafkaStreams streams = new KafkaStreams(topology, p);
        java.util.concurrent.CountDownLatch settled = new java.util.concurrent.CountDownLatch(1);
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING || now == KafkaStreams.State.ERROR) {
                settled.countDown();
            }
        });
        streams.start();
        if (!settled.await(60, java.util.concurrent.TimeUnit.SECONDS) || streams.state() != KafkaStreams.State.RUNNING) {
            streams.close();
            throw new IllegalStateException(app + " did not start: " + streams.state());
        }
        return streams;
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** The records of {@code topic} keyed by one of {@code keys} (earlier runs may share the topic). */
    private static List<ConsumerRecord<byte[], byte[]>> consume(String bootstrap, String topic, java.util.Set<String> keys, int expected,
                                                                Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "parity-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && keys.contains(new String(r.key(), StandardCharsets.UTF_8))) {
                        records.add(r);
                    }
                }
            }
        }
        if (records.size() < expected) {
            throw new IllegalStateException(topic + ": " + records.size() + " of " + expected + " records within " + timeout);
        }
        return records;
    }

    private static <T> Map<String, List<T>> group(List<ConsumerRecord<byte[], byte[]>> records,
                                                  java.util.function.Function<byte[], dev.streamcast.contracts.json.Decoded<T>> codec) {
        Map<String, List<T>> byKey = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            byKey.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>()).add(codec.apply(r.value()).value());
        }
        return byKey;
    }
}
