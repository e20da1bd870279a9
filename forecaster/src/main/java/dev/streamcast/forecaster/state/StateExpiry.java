package dev.streamcast.forecaster.state;

import dev.streamcast.contracts.state.UnreadableStateException;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Drops the state of entities without input for the TTL of stream time ({@code forecaster.state.ttl},
 * scanned every {@code forecaster.state.ttl-scan-interval}), and discards unreadable state on the way.
 */
public final class StateExpiry {

    private final String slot;
    private final EntityStore store;
    private final ForecasterMetrics metrics;
    private final long ttlMillis;

    public StateExpiry(String slot, EntityStore store, ForecasterMetrics metrics, long ttlMillis) {
        this.slot = slot;
        this.store = store;
        this.metrics = metrics;
        this.ttlMillis = ttlMillis;
    }

    /**
     * Deletes every state whose last input's window ended before {@code streamTime} minus the TTL;
     * returns the entities deleted (expired or discarded as unreadable).
     */
    public List<String> expire(long streamTime) {
        long cutoff = streamTime - ttlMillis;
        Map<String, byte[]> expired = new LinkedHashMap<>();
        Map<String, Unreadable> unreadable = new LinkedHashMap<>();
        store.forEachStored((entity, bytes) -> {
            try {
                if (EntityStateFormat.lastInput(bytes) < cutoff) {
                    expired.put(entity, bytes);
                }
            } catch (UnreadableStateException e) {
                unreadable.put(entity, new Unreadable(bytes, e));
            }
        });
        List<String> deleted = new ArrayList<>(expired.keySet());
        expired.forEach(store::delete);
        if (!expired.isEmpty()) {
            metrics.expired(slot, expired.size());
        }
        unreadable.forEach((entity, u) -> store.discard(entity, u.bytes(), u.why()));
        deleted.addAll(unreadable.keySet());
        return deleted;
    }

    private record Unreadable(byte[] bytes, UnreadableStateException why) {
    }
}
