package dev.streamcast.contracts.records;

import java.util.Map;
import java.util.TreeMap;

/**
 * A change in the model registry on topic {@code model-events}, keyed by model name. The topic
 * is compacted, so each event carries the model's complete alias table after the change:
 * the latest event per model is enough to rebuild every alias.
 *
 * <pre>{"type": "ALIAS_MOVED", "model": "etth1", "version": 3, "alias": "champion",
 *  "previousVersion": 2, "sha256": "9f86...", "at": 1700000000000, "aliases": {"champion": 3}}</pre>
 */
public record ModelEvent(Type type, String model, long version, String alias, Long previousVersion, String sha256,
                         long at, Map<String, Long> aliases) {

    /**
     * {@code ALIAS_REMOVED} carries the version the alias pointed to; {@code VERSION_DELETED} is sent
     * when a version without aliases is deleted from the registry (its number is never reused).
     */
    public enum Type { VERSION_CREATED, ALIAS_MOVED, VERSION_ARCHIVED, ALIAS_REMOVED, VERSION_DELETED }

    public ModelEvent {
        if (type == null) {
            throw new IllegalArgumentException("a model event needs its type");
        }
        if (!ModelNames.isName(model)) {
            throw new IllegalArgumentException("unsafe model name: " + model);
        }
        if (version < 1) {
            throw new IllegalArgumentException("versions start at 1, got " + version);
        }
        if ((type == Type.ALIAS_MOVED || type == Type.ALIAS_REMOVED) && !ModelNames.isName(alias)) {
            throw new IllegalArgumentException("an " + type + " event needs a safe alias name, got " + alias);
        }
        aliases = Map.copyOf(new TreeMap<>(aliases));
    }
}
