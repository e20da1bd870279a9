package dev.streamcast.registry.client;

import java.util.List;

/**
 * How to publish a bundle: who publishes it, a description of the version, and aliases to point
 * at the new version in the same transaction (e.g. {@code challenger}).
 */
public record PublishOptions(String creator, String description, List<String> aliases) {

    public PublishOptions {
        aliases = aliases == null ? List.of() : List.copyOf(aliases);
    }

    public static PublishOptions by(String creator) {
        return new PublishOptions(creator, null, List.of());
    }

    public PublishOptions withDescription(String description) {
        return new PublishOptions(creator, description, aliases);
    }

    public PublishOptions withAliases(String... aliases) {
        return new PublishOptions(creator, description, List.of(aliases));
    }
}
