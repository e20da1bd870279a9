package dev.streamcast.contracts.topics;

import java.util.Map;

/**
 * A topic and the settings it is created with. {@code partitions} is the default for a
 * local deployment; production deployments size it themselves but keep the cleanup policy.
 */
public record TopicSpec(String name, int partitions, boolean compacted, String valueDescription) {

    /** Topic-level configs for AdminClient#createTopics. */
    public Map<String, String> configs() {
        return compacted
                ? Map.of("cleanup.policy", "compact", "min.compaction.lag.ms", "0", "segment.ms", "3600000")
                : Map.of("cleanup.policy", "delete");
    }
}
