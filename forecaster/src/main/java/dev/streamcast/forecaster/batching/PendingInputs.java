package dev.streamcast.forecaster.batching;

import dev.streamcast.forecaster.state.EntityPages;
import dev.streamcast.forecaster.state.EntityState;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The entities of one slot and task whose input waits for the next batch, in arrival order, with
 * their decoded state, the input being the state's pending input. Held in memory: the slot writes
 * the states still waiting into the store before each commit (serving.SlotStepper), so a commit
 * never covers an input that exists only here.
 */
public final class PendingInputs {

    /**
     * One entity waiting for its step; {@code origin} is the record its input came from, null for an
     * input found waiting in the store when the task opened (its record was read by a previous owner);
     * {@code page} is the entity's page for the live page, where its forecast goes (null: looked up then).
     */
    public record Waiting(String entity, EntityState state, InputOrigin origin, EntityPages.Page page) {
    }

    private final int maxBatch;
    private final Map<String, Waiting> waiting = new LinkedHashMap<>();

    public PendingInputs(int maxBatch) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("a batch holds at least one entity, got " + maxBatch);
        }
        this.maxBatch = maxBatch;
    }

    /** The waiting state of {@code entity}, or null when it is not waiting. */
    public EntityState get(String entity) {
        Waiting w = waiting.get(entity);
        return w == null ? null : w.state();
    }

    /** Adds (or replaces) a waiting entity; returns whether a full batch is waiting now. */
    public boolean add(String entity, EntityState state, InputOrigin origin, EntityPages.Page page) {
        waiting.put(entity, new Waiting(entity, state, origin, page));
        return waiting.size() >= maxBatch;
    }

    public void remove(String entity) {
        waiting.remove(entity);
    }

    /** Every waiting entity, in arrival order (not to be changed while iterating). */
    public Collection<Waiting> waiting() {
        return Collections.unmodifiableCollection(waiting.values());
    }

    public boolean isEmpty() {
        return waiting.isEmpty();
    }

    public int size() {
        return waiting.size();
    }

    /** Every waiting entity in batches of at most the batch size, in arrival order; none waits afterwards. */
    public List<List<Waiting>> drain() {
        List<List<Waiting>> batches = new ArrayList<>();
        List<Waiting> batch = new ArrayList<>(Math.min(maxBatch, waiting.size()));
        for (Waiting w : waiting.values()) {
            if (batch.size() == maxBatch) {
                batches.add(batch);
                batch = new ArrayList<>(maxBatch);
            }
            batch.add(w);
        }
        if (!batch.isEmpty()) {
            batches.add(batch);
        }
        waiting.clear();
        return batches;
    }
}
