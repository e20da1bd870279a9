package dev.streamcast.loadtest;

import dev.streamcast.contracts.topics.TopicSpec;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.local.broker.LocalBroker;
import dev.streamcast.local.broker.Ports;
import dev.streamcast.local.broker.TopicProvisioner;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The load's event time lies 1,000 days back and Kafka deletes by record timestamp: on a broker
 * with the default seven days of retention, every retention check deletes what the services have
 * not read yet (this lost windows in long or loaded runs). The run's topics keep everything, and
 * the harness sees it when a broker deletes anyway.
 */
class RunTopicsRetentionTest {

    static final TopicSpec CONTROL = new TopicSpec("retention-control", 1, false, "a topic with the broker's default retention");

    @Test
    void recordsWithOldEventTimesSurviveTheRetentionChecksThatDeleteThemElsewhere(@TempDir Path dir) throws Exception {
        // retention checks from 1 s after start and every 200 ms (not 30 s, then every 5 min), so the test sees several
        try (LocalBroker broker = LocalBroker.start(new LocalBroker.Settings(dir, "127.0.0.1", Ports.pickFree("127.0.0.1"),
                Ports.pickFree("127.0.0.1"), Map.of("log.initial.task.delay.ms", "1000",
                        "log.retention.check.interval.ms", "200")));
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            SystemUnderTest.prepareTopics(admin);
            TopicProvisioner.ensure(admin, List.of(CONTROL), (short) 1);
            long old = System.currentTimeMillis() - Duration.ofDays(1000).toMillis();
            List<TopicSpec> written = List.of(Topics.SENSOR_READINGS, Topics.FEATURES, Topics.FORECASTS, SystemUnderTest.PASSTHROUGH,
                    CONTROL);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                for (TopicSpec topic : written) {
                    for (int i = 0; i < 10; i++) {
                        producer.send(new ProducerRecord<>(topic.name(), 0, old + i, "e1".getBytes(StandardCharsets.UTF_8),
                                ("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8))).get();
                    }
                }
            }
            // the control topic loses all ten records by the check after the last send (a check during the sends
            // deletes only those written so far): proof that checks ran over the others too
            Map<TopicPartition, Long> controlDeleted = Map.of(new TopicPartition(CONTROL.name(), 0), 10L);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                    assertThat(SystemUnderTest.deletedRecords(admin, written)).containsExactlyEntriesOf(controlDeleted));
            assertThat(SystemUnderTest.deletedRecords(admin, SystemUnderTest.RUN_TOPICS)).isEmpty();
        }
    }
}
