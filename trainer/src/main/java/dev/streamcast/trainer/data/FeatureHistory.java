package dev.streamcast.trainer.data;

import dev.streamcast.contracts.json.Codec;
import dev.streamcast.contracts.json.Decoded;
import dev.streamcast.contracts.json.Encoding;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.EntityKey;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.topics.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The history of the {@code features} topic up to now, as one series per entity: every
 * committed vector from the beginning to the end offsets taken when reading starts, grouped by
 * key, in window order, named by its spec from {@code feature-specs}. One spec is trained on:
 * the one asked for, or the one with the most vectors. It connects with the client settings it is
 * given (the broker, and for a secured one {@code security.protocol}, {@code sasl.*}, {@code ssl.*});
 * it reads committed records only and commits no offsets, whatever they say.
 */
public final class FeatureHistory {

    /** What was read: the spec trained on and one series per entity (source {@code kafka:<topic>#<entity>}). */
    public record History(FeatureSpec spec, List<SeriesTable> series, long vectors) {
    }

    private final Map<String, Object> client;
    private final String bootstrapServers;
    private final Duration timeout;
    private final Codec<FeatureVector> vectorCodec;
    private final Consumer<String> log;

    /**
     * Reads vectors in {@code encoding} (the topic's {@code streamcast.encoding.features}); others are
     * skipped, counted and logged. {@code client}: the consumer settings that reach the broker,
     * {@code bootstrap.servers} at least.
     */
    public FeatureHistory(Map<String, Object> client, Duration timeout, Encoding encoding, Consumer<String> log) {
        this.client = Map.copyOf(client);
        this.bootstrapServers = String.valueOf(client.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG));
        this.timeout = timeout;
        this.vectorCodec = Codecs.featureVectors(encoding);
        this.log = log;
    }

    /** Reads {@code topic} (normally {@code features}); {@code specId} null or blank picks the most common spec. */
    public History read(String topic, String specId) {
        Map<String, FeatureSpec> specs = new HashMap<>();
        readAll(Topics.FEATURE_SPECS.name(), record -> {
            Decoded<FeatureSpec> spec = Codecs.FEATURE_SPEC.decode(record.value());
            if (spec.isOk()) {
                specs.put(spec.value().id(), spec.value());
            }
        });
        Map<String, Map<String, TreeMap<Long, double[]>>> bySpec = new HashMap<>(); // spec -> entity -> window start -> values
        long[] undecodable = {0};
        String[] firstProblem = {null};
        long vectors = readAll(topic, record -> {
            Decoded<FeatureVector> decoded = vectorCodec.decode(record.value());
            Decoded<String> key = record.key() == null ? null : EntityKey.decode(record.key());
            if (!decoded.isOk() || key == null || !key.isOk()) {
                undecodable[0]++;
                if (firstProblem[0] == null) {
                    firstProblem[0] = record.topic() + "-" + record.partition() + "@" + record.offset() + ": "
                            + (!decoded.isOk() ? decoded.error().toString() : key == null ? "no key" : key.error().toString());
                }
                return;
            }
            FeatureVector v = decoded.value();
            bySpec.computeIfAbsent(v.specId(), s -> new HashMap<>())
                    .computeIfAbsent(key.value(), e -> new TreeMap<>())
                    .put(v.windowStart(), v.values());
        });
        if (undecodable[0] > 0) {
            log.accept("skipped " + undecodable[0] + " undecodable vectors (first at " + firstProblem[0] + ")");
        }
        if (bySpec.isEmpty()) {
            throw new IllegalArgumentException("kafka:" + topic + " at " + bootstrapServers + " has no feature vectors yet"
                    + " (" + vectors + " records read); run ingest on a stream first, or train from a CSV");
        }
        Map<String, Long> counts = new TreeMap<>();
        bySpec.forEach((id, entities) -> counts.put(id, entities.values().stream().mapToLong(Map::size).sum()));
        String chosen = specId == null || specId.isBlank()
                ? counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey() : specId;
        if (!bySpec.containsKey(chosen)) {
            throw new IllegalArgumentException("--spec " + chosen + ": no vectors of that spec on kafka:" + topic
                    + "; vectors per spec: " + counts);
        }
        FeatureSpec spec = specs.get(chosen);
        if (spec == null) {
            throw new IllegalArgumentException("kafka:" + topic + " has vectors of spec " + chosen + " but "
                    + Topics.FEATURE_SPECS.name() + " has no record naming its features; cannot map them to names");
        }
        if (counts.size() > 1) {
            log.accept("training on spec " + chosen + "; vectors per spec: " + counts + " (choose with --spec)");
        }
        List<SeriesTable> series = new ArrayList<>();
        bySpec.get(chosen).entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entity -> {
            TreeMap<Long, double[]> rows = entity.getValue();
            long[] ts = rows.keySet().stream().mapToLong(Long::longValue).toArray();
            double[][] values = rows.values().toArray(double[][]::new);
            series.add(new SeriesTable("kafka:" + topic + "#" + entity.getKey(), ts, spec.names(), values));
        });
        series.sort(Comparator.comparingInt(SeriesTable::rows).reversed());
        return new History(spec, series, counts.get(chosen));
    }

    /** Hands every committed record of {@code topic} up to its current end to {@code each}; returns how many. */
    private long readAll(String topic, Consumer<ConsumerRecord<byte[], byte[]>> each) {
        Properties p = new Properties();
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "streamcast-trainer");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(timeout.toMillis()));
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(Math.min(timeout.toMillis(), 30_000)));
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        p.putAll(client);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"); // what "the history up to now" means
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        long deadline = System.nanoTime() + timeout.toNanos();
        long count = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalArgumentException("kafka:" + topic + ": no such topic at " + bootstrapServers);
            }
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp, timeout) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalArgumentException("kafka:" + topic + " at " + bootstrapServers + ": read " + count
                            + " records but not up to the end offsets " + end + " within " + timeout.toSeconds() + " s");
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.offset() < end.get(new TopicPartition(record.topic(), record.partition()))) {
                        each.accept(record);
                        count++;
                    }
                }
            }
            return count;
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new IllegalArgumentException("kafka:" + topic + ": no answer from Kafka at " + bootstrapServers + " within "
                    + timeout.toSeconds() + " s (" + e.getMessage() + "); is the broker running? (--bootstrap-servers)");
        } catch (KafkaException e) {
            throw new IllegalArgumentException("kafka:" + topic + " at " + bootstrapServers + ": " + e.getMessage(), e);
        }
    }
}
