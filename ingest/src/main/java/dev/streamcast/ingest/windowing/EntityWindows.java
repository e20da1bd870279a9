package dev.streamcast.ingest.windowing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The state of one entity: the windows it has data for that are not emitted yet (ascending),
 * the start of the next window to emit, the latest event time seen, and the last emitted value
 * of every feature (for carry-forward). Stored per entity in a changelogged store, so a restart
 * resumes exactly where the last committed transaction left it.
 */
final class EntityWindows {

    private static final byte FORMAT = 1;

    final String specId;
    long nextWindowStart;
    long lastSeen;
    final double[] lastValues; // [F], NaN until a value was observed
    final List<WindowAccumulator> open = new ArrayList<>();

    EntityWindows(String specId, long nextWindowStart, long lastSeen, double[] lastValues) {
        this.specId = specId;
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
        WindowAccumulator acc = layout.newAccumulator(start);
        open.add(i, acc);
        return acc;
    }

    /** Removes and returns the accumulator of the window starting at {@code start}, or null if it saw nothing. */
    WindowAccumulator take(long start) {
        if (!open.isEmpty() && open.get(0).start == start) {
            return open.remove(0);
        }
        return null;
    }

    byte[] toBytes(FeatureLayout layout) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128 + 64 * lastValues.length);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeUTF(specId);
            out.writeLong(nextWindowStart);
            out.writeLong(lastSeen);
            out.writeInt(lastValues.length);
            for (double v : lastValues) {
                out.writeDouble(v);
            }
            out.writeInt(open.size());
            for (WindowAccumulator acc : open) {
                acc.write(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The stored state, or null if it was written for another feature spec (a configuration change). */
    static EntityWindows fromBytes(byte[] bytes, FeatureLayout layout) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readByte() != FORMAT) {
                return null;
            }
            String specId = in.readUTF();
            if (!specId.equals(layout.spec().id())) {
                return null;
            }
            long next = in.readLong();
            long lastSeen = in.readLong();
            double[] lastValues = new double[in.readInt()];
            for (int i = 0; i < lastValues.length; i++) {
                lastValues[i] = in.readDouble();
            }
            EntityWindows state = new EntityWindows(specId, next, lastSeen, lastValues);
            int windows = in.readInt();
            for (int w = 0; w < windows; w++) {
                state.open.add(WindowAccumulator.read(in, layout.channelCount(), layout.bucketCount(), layout.keywordCount()));
            }
            return state;
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt ingest window state", e);
        }
    }
}
