package dev.streamcast.registry;

import dev.streamcast.registry.events.EventPublisher;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The model-events producer's Kafka settings from the environment, as a pod gives them for a
 * broker with SCRAM-SHA-512 over TLS: {@code KAFKA_*} variables that are producer settings, the
 * broker from {@code kafka.bootstrap.servers}, and the registry's own delivery guarantees on top.
 */
class KafkaSettingsFromEnvironmentTest {

    static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"registry\" password=\"p\";";

    @Test
    void scramOverTlsVariablesReachTheProducerButAcksAndIdempotenceStayTheRegistrys() {
        Map<String, Object> client = RegistryBeans.kafkaClient(Map.of(
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
                "KAFKA_SASL_JAAS_CONFIG", JAAS,
                "KAFKA_SSL_TRUSTSTORE_TYPE", "PEM",
                "KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/streamcast/kafka-ca/ca.crt",
                "KAFKA_ACKS", "1",
                "KAFKA_REQUEST_TIMEOUT_MS", "20000",
                "KAFKA_HEAP_OPTS", "-Xmx1g"), "streamcast-kafka-bootstrap:9093");

        Map<String, Object> config = EventPublisher.producerConfig(client);

        assertThat(config).containsEntry("bootstrap.servers", "streamcast-kafka-bootstrap:9093")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("sasl.jaas.config", JAAS)
                .containsEntry("ssl.truststore.type", "PEM")
                .containsEntry("ssl.truststore.location", "/etc/streamcast/kafka-ca/ca.crt")
                .containsEntry("request.timeout.ms", "20000")
                .containsEntry("acks", "all")
                .containsEntry("enable.idempotence", true)
                .doesNotContainKeys("heap.opts");
    }

    @Test
    void withNothingSetTheProducerConnectsInPlaintextToTheBootstrapServersAsBefore() {
        Map<String, Object> config = EventPublisher.producerConfig(RegistryBeans.kafkaClient(Map.of("PATH", "/usr/bin"),
                "127.0.0.1:9092"));

        assertThat(config).containsEntry("bootstrap.servers", "127.0.0.1:9092")
                .containsEntry("client.id", "streamcast-registry")
                .containsEntry("acks", "all")
                .doesNotContainKeys("security.protocol", "sasl.mechanism", "ssl.truststore.location");
    }
}
