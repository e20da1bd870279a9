package dev.streamcast.contracts;

import dev.streamcast.contracts.json.Decoded;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.SensorReading;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.testkit.KafkaFixture;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** The shared fixture is a real broker: topics, transactions and read_committed behave as in production. */
class TransactionalRoundTripTest {

    @RegisterExtension
    static final KafkaFixture kafka = new KafkaFixture();

    @Test
    void readCommittedSeesCommittedTransactionsOnlyInOrder() throws Exception {
        kafka.createTopics(List.of(Topics.SENSOR_READINGS));
        Properties props = kafka.producerProperties();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "round-trip");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, SensorReading> producer =
                     new KafkaProducer<>(props, new StringSerializer(), Codecs.SENSOR_READING.serializer())) {
            producer.initTransactions();
            send(producer, 0, 3);
            producer.commitTransaction();
            send(producer, 100, 2);
            producer.flush();
            producer.abortTransaction();
            send(producer, 200, 1);
            producer.commitTransaction();
        }

        List<ConsumerRecord<byte[], byte[]>> committed = kafka.consume(Topics.SENSOR_READINGS.name(), 4, Duration.ofSeconds(30));
        List<Long> timestamps = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : committed) {
            assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("transformer-1");
            Decoded<SensorReading> reading = Codecs.SENSOR_READING.decode(record.value());
            timestamps.add(reading.value().ts());
        }
        assertThat(timestamps).containsExactly(1_000L, 1_001L, 1_002L, 1_200L);

        Properties uncommitted = kafka.consumerProperties();
        uncommitted.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        int seen = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(uncommitted)) {
            consumer.subscribe(List.of(Topics.SENSOR_READINGS.name()));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (seen < 6 && System.nanoTime() < deadline) {
                seen += consumer.poll(Duration.ofMillis(200)).count();
            }
        }
        assertThat(seen).as("read_uncommitted also sees the aborted records").isEqualTo(6);
    }

    @Test
    void topicsAreCreatedWithTheirDeclaredPartitionsAndCleanupPolicy() throws Exception {
        kafka.createTopics(List.of(Topics.MODEL_EVENTS, Topics.FEATURES));
        try (var admin = kafka.admin()) {
            Map<String, TopicDescription> topics = admin.describeTopics(
                    List.of(Topics.MODEL_EVENTS.name(), Topics.FEATURES.name())).allTopicNames().get();
            assertThat(topics.get("features").partitions()).hasSize(Topics.FEATURES.partitions());
            var resource = new ConfigResource(ConfigResource.Type.TOPIC, Topics.MODEL_EVENTS.name());
            var config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
        }
    }

    private static void send(KafkaProducer<String, SensorReading> producer, long base, int count) {
        producer.beginTransaction();
        for (int i = 0; i < count; i++) {
            producer.send(new ProducerRecord<>(Topics.SENSOR_READINGS.name(), "transformer-1",
                    SensorReading.of(1_000L + base + i, "OT", 30.5 + i)));
        }
    }
}
