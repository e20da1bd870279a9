package dev.streamcast.contracts.kafka;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class KafkaClientEnvironmentTest {

    /** A pod's environment for SCRAM-SHA-512 over TLS, with the variables every container has besides. */
    static final Map<String, String> SCRAM_OVER_TLS = Map.of(
            "KAFKA_BOOTSTRAP_SERVERS", "streamcast-kafka-bootstrap:9093",
            "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
            "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
            "KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";",
            "KAFKA_SSL_TRUSTSTORE_TYPE", "PEM",
            "KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/streamcast/kafka-ca/ca.crt",
            "KAFKA_HEAP_OPTS", "-Xmx1g",
            "KAFKA_OPTS", "-Dx=y",
            "KAFKA_PORT", "tcp://10.0.0.1:9092",
            "PATH", "/usr/bin");

    @Test
    void scramOverTlsVariablesBecomeTheClientSettingsAndOtherKafkaVariablesAreIgnored() {
        Map<String, Object> expected = Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "streamcast-kafka-bootstrap:9093",
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL",
                SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-512",
                SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";",
                SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM",
                SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, "/etc/streamcast/kafka-ca/ca.crt");

        assertThat(KafkaClientEnvironment.producer(SCRAM_OVER_TLS)).isEqualTo(expected);
        assertThat(KafkaClientEnvironment.consumer(SCRAM_OVER_TLS)).isEqualTo(expected);
    }

    @Test
    void aSettingOfOnlyOneKindOfClientReachesOnlyThatKind() {
        Map<String, String> environment = Map.of("KAFKA_GROUP_ID", "g", "KAFKA_ACKS", "all");

        assertThat(KafkaClientEnvironment.consumer(environment)).isEqualTo(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "g"));
        assertThat(KafkaClientEnvironment.producer(environment)).isEqualTo(Map.of(ProducerConfig.ACKS_CONFIG, "all"));
    }

    @Test
    void withNothingSetThereAreNoSettingsAndABlankValueIsUnset() {
        assertThat(KafkaClientEnvironment.producer(Map.of("HOME", "/root"))).isEmpty();
        Map<String, String> blank = new HashMap<>();
        blank.put("KAFKA_SECURITY_PROTOCOL", " ");
        blank.put("KAFKA_SASL_MECHANISM", "");
        assertThat(KafkaClientEnvironment.consumer(blank)).isEmpty();
    }

    @Test
    void everyProducerAndConsumerSettingHasAVariableThatMapsBackToIt() {
        for (Set<String> names : java.util.List.of(ProducerConfig.configNames(), ConsumerConfig.configNames())) {
            for (String name : names) {
                String variable = KafkaClientEnvironment.variable(name);
                assertThat(KafkaClientEnvironment.settings(Map.of(variable, "v"), names)).as(variable).isEqualTo(Map.of(name, "v"));
            }
        }
        assertThat(KafkaClientEnvironment.variable(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG)).isEqualTo("KAFKA_SSL_TRUSTSTORE_LOCATION");
    }
}
