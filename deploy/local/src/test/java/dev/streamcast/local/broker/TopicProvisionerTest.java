package dev.streamcast.local.broker;

import dev.streamcast.contracts.topics.TopicSpec;
import dev.streamcast.contracts.topics.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class TopicProvisionerTest {

    @Test
    void everyDeleteTopicKeepsTheContractsRetentionOnABrokerWithAShorterDefault(@TempDir Path dir) throws Exception {
        try (LocalBroker broker = LocalBroker.start(new LocalBroker.Settings(dir, "127.0.0.1", Ports.pickFree("127.0.0.1"),
                Ports.pickFree("127.0.0.1"), Map.of("log.retention.hours", "1")));
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            List<ConfigResource> topics = Topics.ALL.stream()
                    .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t.name())).toList();
            Map<ConfigResource, Config> configs = admin.describeConfigs(topics).all().get();

            Map<String, String> retention = new TreeMap<>();
            Map<String, String> policy = new TreeMap<>();
            for (TopicSpec topic : Topics.ALL) {
                Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic.name()));
                ConfigEntry entry = config.get("retention.ms");
                retention.put(topic.name(), entry.value() + (entry.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG
                        ? " (topic)" : " (broker default)"));
                policy.put(topic.name(), config.get("cleanup.policy").value());
            }

            String week = TopicSpec.RETENTION.toMillis() + " (topic)";
            assertThat(retention).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "sensor-readings", week, "text-events", week, "features", week, "forecasts", week,
                    "forecasts-shadow", week, "ingest-dlq", week, "forecaster-dlq", week,
                    "feature-specs", "3600000 (broker default)", "model-events", "3600000 (broker default)"));
            assertThat(policy).containsEntry("features", "delete").containsEntry("feature-specs", "compact")
                    .containsEntry("model-events", "compact");
        }
    }
}
