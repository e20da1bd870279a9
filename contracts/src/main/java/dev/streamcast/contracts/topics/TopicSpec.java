package dev.streamcast.contracts.topics;

import java.time.Duration;
import java.util.Map;

/**
 * A topic and the settings it is created with. {@code partitions} is the default for a
 * local deployment; production deployments size it themselves but keep the cleanup policy.
 */
public record TopicSpec(String name, int partitions, boolean compacted, String valueDescription) {

    /**
     * How long a delete topic keeps a record, counted from the record's timestamp: event time on
     * the data topics, so a record older than this is deleted at the broker's next retention check
     * whether or not anyone has read it. Kafka's own default, seven days, set on each topic so that
     * a broker with a shorter {@code log.retention.*} cannot shorten it unnoticed. Whatever accepts
     * older input must stay within it: ingest refuses to start when its {@code ingest.timestamps.max-past}
     * plus window and grace exceeds the {@code retention.ms} of {@code features}.
     */
    public static final Duration RETENTION = Duration.ofDays(7);

    /** Topic-level configs for AdminClient#createTopics. */
    public Map<String, String> configs() {
        return compacted
                ? Map.of("cleanup.policy", "compact", "min.compaction.lag.ms", "0", "segment.ms", "3600000")
                : Map.of("cleanup.policy", "delete", "retention.ms", Long.toString(RETENTION.toMillis()));
    }
}
