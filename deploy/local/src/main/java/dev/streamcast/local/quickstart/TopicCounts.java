package dev.streamcast.local.quickstart;

import dev.streamcast.contracts.topics.TopicSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts the committed records of topics by reading them (offset arithmetic would also count
 * transaction markers and aborted records).
 */
public final class TopicCounts {

    private TopicCounts() {
    }

    public static Map<String, Long> count(String bootstrapServers, List<TopicSpec> topics, Duration timeout) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000,
                ConsumerConfig.CLIENT_ID_CONFIG, "streamcast-topic-counter");
        Map<String, Long> counts = new LinkedHashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                     new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (TopicSpec topic : topics) {
                counts.put(topic.name(), 0L);
                consumer.partitionsFor(topic.name(), timeout)
                        .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && !reached(consumer, ends)) {
                consumer.poll(Duration.ofMillis(200))
                        .forEach(r -> counts.merge(r.topic(), 1L, Long::sum));
            }
        }
        return counts;
    }

    private static boolean reached(KafkaConsumer<byte[], byte[]> consumer, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (consumer.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** {@code topic=count} pairs on one line, in the given order. */
    public static String line(Map<String, Long> counts) {
        StringBuilder line = new StringBuilder();
        counts.forEach((topic, count) -> line.append(line.isEmpty() ? "" : " ").append(topic).append('=').append(count));
        return line.toString();
    }
}
