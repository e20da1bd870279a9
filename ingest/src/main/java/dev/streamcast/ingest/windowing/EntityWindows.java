package dev.streamcast.ingest.windowing;

import dev.streamcast.contracts.state.StateFormat;
import dev.streamcast.contracts.state.UnreadableStateException;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The state of one entity: the windows it has data for that are not emitted yet (ascending),
 * the start of the next window to emit, the latest event time seen, and the last emitted value
 * of every feature (for carry-forward). Stored per entity in a changelogged store, so a restart
 * resumes exactly where the last committed transaction left it.
 */
public final class EntityWindows {

    /**
     * Version 5 has version 4's bytes; it is the state of a release whose window checks do not rewrite
     * the entities they emit (a stored state may lag behind the clock store's record of the checks), so a
     * release before it, which would emit those windows again, refuses it instead of misreading it.
     * Version 4 (current when written) is read as it is. Version 3 was the last one without the envelope
     * (a leading format byte 3): it reads as unreadable.
     */
    static final StateFormat FORMAT = new StateFormat("ingest entity windows", 5);
    /** The oldest version read. */
    static final int OLDEST_READ = 4;

    final String specId;
    private final byte[] specIdBytes;
    long nextWindowStart;
    /** Whether a vector was emitted already; before that, an earlier record may still move the start back. */
    boolean emitted;
    long lastSeen;
    final double[] lastValues; // [value features], NaN until observed: what carry-forward fills gaps with
    final List<WindowAccumulator> open = new ArrayList<>(2); // the window filling, and one in its grace
    /**
     * The last emitted window's accumulator, emptied for the entity's next window: each window would
     * otherwise be a new object living a window and its grace, long enough to leave the young
     * generation, so a fleet's windows became old-generation garbage and long collections. Not stored.
     */
    private WindowAccumulator spare;

    /** {@code specIdBytes}: the spec id's UTF-8 bytes, shared by every entity of the spec (never modified). */
    EntityWindows(String specId, byte[] specIdBytes, long nextWindowStart, long lastSeen, double[] lastValues) {
        this.specId = specId;
        this.specIdBytes = specIdBytes;
        this.nextWindowStart = nextWindowStart;
        this.lastSeen = lastSeen;
        this.lastValues = lastValues;
    }

    /** The accumulator of the window starting at {@code start}, created in order if missing. */
    WindowAccumulator window(long start, FeatureLayout layout) {
        int i = 0;
        while (i < open.size() && open.get(i).start < start) {
            i++;
        }
        if (i < open.size() && open.get(i).start == start) {
            return open.get(i);
        }
        WindowAccumulator acc = spare != null ? spare.reset(start) : layout.newAccumulator(start);
        spare = null;
        open.add(i, acc);
        return acc;
    }

    /** Keeps {@code emitted} (taken with {@link #take}, its vector built; null: the window saw nothing) for the entity's next window. */
    void recycle(WindowAccumulator emitted) {
        if (emitted != null) {
            spare = emitted;
        }
    }

    /** Removes and returns the accumulator of the window starting at {@code start}, or null if it saw nothing. */
    WindowAccumulator take(long start) {
        if (!open.isEmpty() && open.get(0).start == start) {
            return open.remove(0);
        }
        return null;
    }

    byte[] toBytes() {
        byte[] id = specIdBytes;
        int size = 1 + id.length + 1 + 2 * Long.BYTES + Integer.BYTES + lastValues.length * Double.BYTES + Integer.BYTES;
        for (WindowAccumulator acc : open) {
            size += acc.serializedSize();
        }
        ByteBuffer out = FORMAT.allocate(size);
        out.put((byte) id.length).put(id).put((byte) (emitted ? 1 : 0));
        out.putLong(nextWindowStart).putLong(lastSeen);
        out.putInt(lastValues.length);
        for (double v : lastValues) {
            out.putDouble(v);
        }
        out.putInt(open.size());
        for (WindowAccumulator acc : open) {
            acc.write(out);
        }
        return out.array();
    }

    /**
     * The stored state, or null if it was written for another feature spec (a configuration change).
     *
     * @throws UnreadableStateException when it was written in another version of {@link #FORMAT}
     */
    static EntityWindows fromBytes(byte[] bytes, FeatureLayout layout) throws UnreadableStateException {
        ByteBuffer in = FORMAT.open(bytes, OLDEST_READ);
        byte[] id = new byte[in.get()];
        in.get(id);
        if (!java.util.Arrays.equals(id, layout.specIdBytes())) {
            return null;
        }
        boolean emitted = in.get() == 1;
        long next = in.getLong();
        long lastSeen = in.getLong();
        double[] lastValues = new double[in.getInt()];
        for (int i = 0; i < lastValues.length; i++) {
            lastValues[i] = in.getDouble();
        }
        EntityWindows state = new EntityWindows(layout.spec().id(), layout.specIdBytes(), next, lastSeen, lastValues);
        state.emitted = emitted;
        int windows = in.getInt();
        for (int w = 0; w < windows; w++) {
            state.open.add(WindowAccumulator.read(in, layout.channelCount(), layout.bucketCount(), layout.keywordCount()));
        }
        return state;
    }
}
