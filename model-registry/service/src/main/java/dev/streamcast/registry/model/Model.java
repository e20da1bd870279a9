package dev.streamcast.registry.model;

import java.util.Map;

/**
 * A registered model as the registry stores it: a name, what it is for, tags, and its alias table
 * (alias to version). {@code latestVersion} is the highest number ever given (0 before the first
 * upload); numbers are never reused, also after a delete. Times are epoch milliseconds. Its JSON is
 * the REST API's model document (model-registry README).
 */
public record Model(String name, String description, Map<String, String> tags, long latestVersion,
                    long versionCount, Map<String, Long> aliases, long createdAt, long updatedAt) {

    public Model {
        tags = tags == null ? Map.of() : Map.copyOf(tags);
        aliases = aliases == null ? Map.of() : Map.copyOf(aliases);
    }
}
