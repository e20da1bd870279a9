package dev.streamcast.ingest.topics;

import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.ingest.IngestSettings;
import dev.streamcast.ingest.windowing.FeatureLayout;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.streams.StreamsConfig;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Before the stream starts, reads the configs of the topics ingest writes from the broker (an
 * Admin client with the stream's own connection settings) and refuses to start when
 * {@link TopicRequirements} finds a problem, naming every one. Runs ahead of Quarkus' start of
 * Kafka Streams, so a refused configuration never writes a record.
 */
@ApplicationScoped
public class StartupCheck {

    private static final Logger LOG = Logger.getLogger(StartupCheck.class);
    static final List<String> TOPICS = List.of(Topics.FEATURES.name(), Topics.INGEST_DLQ.name(), Topics.FEATURE_SPECS.name());
    /** How long a topic that does not exist yet is waited for: one created just before ingest starts takes a moment to show. */
    static final Duration TOPIC_WAIT = Duration.ofSeconds(15);

    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event, IngestSettings settings,
                 StreamsConfig streams) {
        int maxRequestSize = maxRequestSize(streams);
        try (Admin admin = Admin.create(streams.getAdminConfigs("streamcast-ingest-startup-check"))) {
            check(admin, settings, maxRequestSize, TOPIC_WAIT);
        }
    }

    /**
     * Throws {@link IllegalStateException} listing every problem; logs what it checked otherwise.
     * A topic that does not exist is looked for again for up to {@code topicWait} before it is one.
     */
    public static void check(Admin admin, IngestSettings settings, int maxRequestSize, Duration topicWait) {
        Map<String, TopicRequirements.TopicConfig> configs = read(admin, topicWait);
        List<String> problems = TopicRequirements.problems(settings, configs, maxRequestSize);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("ingest does not start: " + String.join("; ", problems));
        }
        TopicRequirements.TopicConfig features = configs.get(Topics.FEATURES.name());
        LOG.infof("topics checked: features (retention.ms=%d, message.timestamp.type=%s) keeps the vectors of readings up to"
                        + " ingest.timestamps.max-past=%s old; a vector of up to %d bytes fits in max.message.bytes=%d and"
                        + " max.request.size=%d", features.retentionMs(), features.timestampType(),
                TopicRequirements.iso(settings.maxPast()), TopicRequirements.RECORD_OVERHEAD_BYTES + TopicRequirements.MAX_KEY_BYTES
                        + TopicRequirements.largestVectorBytes(new FeatureLayout(settings).spec(), settings.featuresEncoding()),
                features.maxMessageBytes(), maxRequestSize);
    }

    /**
     * The configs of {@link #TOPICS}; a topic that still does not exist after {@code topicWait}, or a
     * broker that does not answer, refuses the start.
     */
    static Map<String, TopicRequirements.TopicConfig> read(Admin admin, Duration topicWait) {
        long deadline = System.nanoTime() + topicWait.toNanos();
        while (true) {
            try {
                return readOnce(admin);
            } catch (MissingTopicsException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(e.getMessage());
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e.getMessage());
                }
            }
        }
    }

    /** Topics that do not exist (yet). */
    private static final class MissingTopicsException extends RuntimeException {
        MissingTopicsException(String message) {
            super(message, null, false, false);
        }
    }

    private static Map<String, TopicRequirements.TopicConfig> readOnce(Admin admin) {
        List<ConfigResource> resources = TOPICS.stream().map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList();
        Map<ConfigResource, KafkaFuture<Config>> answers = admin.describeConfigs(resources,
                new DescribeConfigsOptions().timeoutMs(60_000)).values();
        Map<String, TopicRequirements.TopicConfig> configs = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (ConfigResource resource : resources) {
            try {
                Config config = answers.get(resource).get(90, TimeUnit.SECONDS);
                configs.put(resource.name(), TopicRequirements.TopicConfig.of(resource.name(), config.entries().stream()
                        .filter(e -> e.value() != null)
                        .collect(Collectors.toMap(ConfigEntry::name, ConfigEntry::value))));
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    missing.add(resource.name());
                } else {
                    throw new IllegalStateException("ingest does not start: could not read the configs of topic " + resource.name()
                            + ", which it checks before it writes (it needs DESCRIBE_CONFIGS on it): " + e.getCause(), e.getCause());
                }
            } catch (TimeoutException e) {
                throw new IllegalStateException("ingest does not start: the broker did not answer for the configs of topic "
                        + resource.name() + " within 90 s; is kafka.bootstrap.servers right?", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading the configs of topic " + resource.name(), e);
            }
        }
        if (!missing.isEmpty()) {
            throw new MissingTopicsException("ingest does not start: topics " + missing + " do not exist; create them first"
                    + " (./streamcast broker creates every streamcast topic, with the settings of contracts/README.md)");
        }
        return configs;
    }

    /** The producer's {@code max.request.size}: {@code kafka-streams.producer.max.request.size} or Kafka's default. */
    static int maxRequestSize(StreamsConfig streams) {
        Object value = streams.getProducerConfigs("streamcast-ingest-startup-check").get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        if (value == null) {
            value = ProducerConfig.configDef().defaultValues().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        }
        return value instanceof Number n ? n.intValue() : Integer.parseInt(value.toString().strip());
    }
}
