package dev.streamcast.testkit;

import dev.streamcast.contracts.topics.Topics;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * The Kafka fixture as a Quarkus test resource: starts a real single-node cluster with every
 * streamcast topic created, and points the application's Kafka settings at it.
 *
 * <pre>&#64;QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = true)</pre>
 */
public final class KafkaTestResource implements QuarkusTestResourceLifecycleManager {

    private KafkaFixture kafka;

    @Override
    public Map<String, String> start() {
        kafka = KafkaFixture.start();
        kafka.createTopics(Topics.ALL);
        String bootstrap = kafka.bootstrapServers();
        return Map.of(
                "kafka.bootstrap.servers", bootstrap,
                "quarkus.kafka-streams.bootstrap-servers", bootstrap,
                "streamcast.kafka.bootstrap-servers", bootstrap);
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(kafka, new TestInjector.MatchesType(KafkaFixture.class));
    }

    @Override
    public void stop() {
        try {
            if (kafka != null) {
                kafka.close();
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not stop the Kafka test cluster", e);
        }
    }
}
