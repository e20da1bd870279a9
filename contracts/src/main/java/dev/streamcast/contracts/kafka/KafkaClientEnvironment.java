package dev.streamcast.contracts.kafka;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Kafka client settings from the environment, as a container is configured: {@code KAFKA_<NAME>}
 * is the client setting {@code <name>} upper-cased with dots as underscores
 * ({@code KAFKA_SECURITY_PROTOCOL=SASL_SSL} is {@code security.protocol},
 * {@code KAFKA_SASL_JAAS_CONFIG} is {@code sasl.jaas.config}). The clients that are not Kafka
 * Streams read their connection this way (the registry's model-events producer, the trainer's
 * features consumer), so a secured broker needs the same variables for each.
 *
 * <p>Only names the client knows are taken: the environment holds other {@code KAFKA_} variables
 * ({@code KAFKA_HEAP_OPTS}, {@code KAFKA_OPTS}, a service link's {@code KAFKA_PORT}) that are no
 * client setting and must not reach the client as one. A blank value counts as unset, so a
 * template that leaves a variable empty changes nothing.
 */
public final class KafkaClientEnvironment {

    public static final String PREFIX = "KAFKA_";

    private KafkaClientEnvironment() {
    }

    /** The producer settings in {@code environment} (the names of {@link ProducerConfig}, security and SSL ones included). */
    public static Map<String, Object> producer(Map<String, String> environment) {
        return settings(environment, ProducerConfig.configNames());
    }

    /** The consumer settings in {@code environment} (the names of {@link ConsumerConfig}, security and SSL ones included). */
    public static Map<String, Object> consumer(Map<String, String> environment) {
        return settings(environment, ConsumerConfig.configNames());
    }

    /** The settings among {@code names} that {@code environment} sets, by setting name, in name order. */
    public static Map<String, Object> settings(Map<String, String> environment, Set<String> names) {
        Map<String, Object> settings = new TreeMap<>();
        environment.forEach((variable, value) -> {
            if (variable.startsWith(PREFIX) && value != null && !value.isBlank()) {
                String name = setting(variable);
                if (names.contains(name)) {
                    settings.put(name, value);
                }
            }
        });
        return settings;
    }

    /** The variable that sets {@code setting}: {@code ssl.truststore.location} is {@code KAFKA_SSL_TRUSTSTORE_LOCATION}. */
    public static String variable(String setting) {
        return PREFIX + setting.toUpperCase(Locale.ROOT).replace('.', '_');
    }

    private static String setting(String variable) {
        return variable.substring(PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }
}
