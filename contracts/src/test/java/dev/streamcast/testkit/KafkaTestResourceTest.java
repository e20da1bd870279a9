package dev.streamcast.testkit;

import dev.streamcast.contracts.topics.TopicSpec;
import dev.streamcast.contracts.topics.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The Quarkus test resource starts a real cluster with every topic and points the app's settings at it. */
class KafkaTestResourceTest {

    @Test
    void startsAClusterWithEveryTopicAndStopsIt() throws Exception {
        KafkaTestResource resource = new KafkaTestResource();
        Map<String, String> config = resource.start();
        String bootstrap = config.get("kafka.bootstrap.servers");
        try {
            assertThat(config).containsEntry("quarkus.kafka-streams.bootstrap-servers", bootstrap);
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                assertThat(admin.listTopics().names().get())
                        .containsAll(Topics.ALL.stream().map(TopicSpec::name).toList());
            }
        } finally {
            resource.stop();
        }
        int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
        try (java.net.ServerSocket socket = new java.net.ServerSocket()) {
            socket.bind(new java.net.InetSocketAddress("localhost", port)); // throws while the cluster still holds it
            assertThat(socket.isBound()).as("the cluster released its port").isTrue();
        }
    }
}
