package dev.streamcast.forecaster.state;

import dev.streamcast.contracts.state.UnreadableStateException;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * One slot's entity states in its store, within one stream task: reading and writing them, and
 * keeping the {@code forecaster_entities}, {@code forecaster_state_bytes} and
 * {@code forecaster_stale_entities} gauges equal to what the store holds. An entity is stale while
 * its stored state has {@code staleSteps} or more missed forecasts ({@link EntityState#missedForecasts()}):
 * each write compares what it counted before with what it counts now, so the gauge moves as entities
 * cross the threshold and back, at no cost beyond the write itself.
 *
 * <p>The states it read or wrote last are kept decoded (at most {@value #DECODED_ENTITIES}, the
 * oldest dropped first), so an entity's next input does not pay for the store's lookup and a decode
 * again. Every change is written to the store at once: the store, not this map, is what commits,
 * restores and the TTL scan reads. The map belongs to one task's processor and starts empty at each
 * (re)initialisation, so it never outlives the store it mirrors, nor holds what an aborted
 * transaction wrote.
 *
 * <p>State this release cannot read (another version of {@link EntityStateFormat#FORMAT}, or
 * written before the versioned format) is discarded when it is next read or at the next TTL scan:
 * deleted, counted in {@code forecaster_state_discarded_total}, logged once per version found, and
 * the entity starts as a new one (its forecasts resume after the warm-up length of new inputs).
 */
public final class EntityStore {

    private static final Logger LOG = Logger.getLogger(EntityStore.class);

    private final String slot;
    private final KeyValueStore<String, byte[]> store;
    private final ForecasterMetrics metrics;
    private final ForecasterMetrics.SlotMeters meters;
    private final int staleSteps;
    private final Set<Integer> unreadableLogged = new HashSet<>();
    private static final int DECODED_ENTITIES = 50_000;
    /** Recently read or written states, oldest first (see the class comment). */
    private final Map<String, EntityState> decoded = new LinkedHashMap<>(1024) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, EntityState> eldest) {
            boolean drop = size() > DECODED_ENTITIES;
            if (drop) {
                eldest.getValue().kept = false;
            }
            return drop;
        }
    };
    /** What this store adds to the gauges, taken back out when the task closes. */
    private long entities;
    private long bytes;
    private long stale;

    /** {@code staleSteps}: missed forecasts from which an entity counts as stale ({@code forecaster.alerts.stale-steps}). */
    public EntityStore(String slot, KeyValueStore<String, byte[]> store, ForecasterMetrics metrics, int staleSteps) {
        this.slot = slot;
        this.store = store;
        this.metrics = metrics;
        this.meters = metrics.slot(slot);
        this.staleSteps = staleSteps;
    }

    /**
     * Counts what the store holds into the gauges and returns the states with a pending input (those
     * that were waiting when the task's previous owner stopped), in store order.
     */
    public Map<String, EntityState> open() {
        long found = 0;
        long foundBytes = 0;
        long foundStale = 0;
        Map<String, EntityState> waiting = new LinkedHashMap<>();
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> kv = all.next();
                found++;
                foundBytes += kv.value.length;
                try {
                    EntityState state = decode(kv.value);
                    foundStale += state.countedStale ? 1 : 0;
                    if (state.pending() != null) {
                        waiting.put(kv.key, state);
                        keep(kv.key, state);
                    }
                } catch (UnreadableStateException e) {
                    // left in place: discarded when next read or at the next TTL scan, where a store write is allowed
                }
            }
        }
        count(found, foundBytes, foundStale);
        return waiting;
    }

    /** The entity's decoded state if this store keeps it, else null (nothing is read from the store). */
    public EntityState decoded(String entity) {
        return decoded.get(entity);
    }

    /**
     * The entity's state; a new one when it has none, or had one this release cannot read (then
     * discarded). Kept decoded from now on, a new one too: its caller makes it the entity's
     * (waiting, or written), and the entity's next input finds it here.
     */
    public EntityState load(String entity) {
        EntityState known = decoded.get(entity);
        if (known != null) {
            return known;
        }
        byte[] bytes = store.get(entity);
        EntityState state;
        if (bytes == null) {
            state = new EntityState();
        } else {
            try {
                state = decode(bytes);
            } catch (UnreadableStateException e) {
                discard(entity, bytes, e);
                state = new EntityState();
            }
        }
        keep(entity, state);
        return state;
    }

    public void put(String entity, EntityState state) {
        byte[] encoded = EntityStateFormat.encode(state);
        boolean stale = stale(state.missedForecasts());
        count(state.storedBytes == 0 ? 1 : 0, encoded.length - state.storedBytes,
                (stale ? 1 : 0) - (state.countedStale ? 1 : 0));
        state.storedBytes = encoded.length;
        state.countedStale = stale;
        store.put(entity, encoded);
        if (!state.kept) { // one lookup fewer per step: a state read from here is kept already
            keep(entity, state);
        }
    }

    private void keep(String entity, EntityState state) {
        EntityState before = decoded.put(entity, state);
        if (before != null) {
            before.kept = false;
        }
        state.kept = true;
    }

    private EntityState decode(byte[] bytes) throws UnreadableStateException {
        EntityState state = EntityStateFormat.decode(bytes);
        state.countedStale = stale(state.missedForecasts());
        return state;
    }

    private boolean stale(int missedForecasts) {
        return missedForecasts >= staleSteps;
    }

    /**
     * Whether {@code bytes}, as stored, count in {@code forecaster_stale_entities}: as when they were
     * read, only a state that decodes does. The count is read where it lies; only a stale one is
     * decoded whole (a corrupt state was never counted).
     */
    private boolean countedStale(byte[] bytes) {
        try {
            if (!stale(EntityStateFormat.missedForecasts(bytes))) {
                return false;
            }
            EntityStateFormat.decode(bytes);
            return true;
        } catch (UnreadableStateException e) {
            return false;
        }
    }

    /** Every stored entity with its bytes, undecoded (the TTL scan reads one field of each). */
    public void forEachStored(BiConsumer<String, byte[]> visitor) {
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> kv = all.next();
                visitor.accept(kv.key, kv.value);
            }
        }
    }

    /** Deletes the entity's state, {@code stored} as it was in the store. */
    public void delete(String entity, byte[] stored) {
        store.delete(entity);
        EntityState dropped = decoded.remove(entity);
        if (dropped != null) {
            dropped.kept = false;
        }
        count(-1, -stored.length, countedStale(stored) ? -1 : 0);
    }

    /**
     * The task closes (its partitions move, or the service stops): what this store added to the
     * gauges comes out again, so they count only the tasks this instance runs.
     */
    public void close() {
        count(-entities, -bytes, -stale);
        decoded.clear();
    }

    private void count(long entityDelta, long byteDelta, long staleDelta) {
        entities += entityDelta;
        bytes += byteDelta;
        stale += staleDelta;
        meters.stored(entityDelta, byteDelta, staleDelta);
    }

    /** The policy for state this release cannot read: deleted, counted, logged once per version found. */
    public void discard(String entity, byte[] bytes, UnreadableStateException e) {
        delete(entity, bytes);
        metrics.stateDiscarded(slot);
        if (unreadableLogged.add(e.found())) {
            LOG.warnf("%s: discarding the state of %s: %s. It starts as a new entity (forecasts resume after the model's warm-up"
                    + " length of new inputs); other entities' state of the same version is discarded too, counted in"
                    + " forecaster_state_discarded_total and not logged again", slot, entity, e.getMessage());
        }
    }
}
