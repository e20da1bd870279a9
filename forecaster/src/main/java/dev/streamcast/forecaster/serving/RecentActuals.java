package dev.streamcast.forecaster.serving;

import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.forecaster.model.ModelSlot;
import dev.streamcast.forecaster.model.ServedModel;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The last N values of each entity's targets, with whether each was observed or imputed, for the live
 * page's chart (page.EntityViews): the entity state keeps only what the model needs to warm up (a few
 * steps for a GRU), which is too short a history to look at. The targets are those of the models the
 * slots serve (a swap to a model of other targets keeps the history of the targets both name); the store {@value #STORE} is in memory and not changelogged (a restarted instance shows
 * history again as it arrives), and holds about entities × N × (8 + 5 × targets) bytes:
 * {@code forecaster.page.actuals-kept} sets N, 0 turns it off.
 *
 * <p>One entry per entity: a version byte 1, the number of targets n, each name (length-prefixed UTF-8),
 * then rows oldest first, each the window start (int64), n float32 values and n flags (1 observed,
 * 0 imputed), all big-endian.
 */
public final class RecentActuals {

    public static final String STORE = "recent-actuals";
    private static final byte VERSION = 1;

    private final KeyValueStore<String, byte[]> store;
    private final Supplier<List<String>> source;
    private final int kept;
    private final Map<String, int[]> columnsBySpec = new HashMap<>();
    private List<String> targets = List.of();
    private byte[] header = new byte[0];

    /** Keeps {@code kept} rows per entity of the targets {@code targets} names at each record (see {@link #servedTargets}). */
    RecentActuals(KeyValueStore<String, byte[]> store, Supplier<List<String>> targets, int kept) {
        this.store = store;
        this.source = targets;
        this.kept = kept;
    }

    /** Appends the targets' values of {@code vector} to {@code entity}'s rows, dropping the oldest beyond N. */
    void record(String entity, FeatureVector vector, FeatureSpec spec) {
        refreshTargets();
        if (targets.isEmpty()) {
            return;
        }
        int[] columns = columnsBySpec.computeIfAbsent(spec.id(), id -> targets.stream().mapToInt(spec::indexOf).toArray());
        int width = rowWidth(targets.size());
        byte[] old = store.get(entity);
        if (old != null && !startsWith(old, header)) {
            old = convert(old); // kept for the targets of earlier models: carried over where the names meet
        }
        int oldRows = 0;
        if (old != null && startsWith(old, header)) {
            oldRows = (old.length - header.length) / width;
            if (oldRows > 0 && vector.windowStart() <= ByteBuffer.wrap(old, header.length + (oldRows - 1) * width, 8).getLong()) {
                return; // replayed or out of order: the chart already has this step or a later one
            }
        }
        int keptRows = Math.min(oldRows, kept - 1);
        ByteBuffer out = ByteBuffer.allocate(header.length + (keptRows + 1) * width);
        out.put(header);
        if (keptRows > 0) {
            out.put(old, header.length + (oldRows - keptRows) * width, keptRows * width);
        }
        out.putLong(vector.windowStart());
        for (int column : columns) {
            out.putFloat(column < 0 ? Float.NaN : (float) vector.values()[column]);
        }
        for (int column : columns) {
            out.put((byte) (column >= 0 && vector.observed()[column] ? 1 : 0));
        }
        store.put(entity, out.array());
    }

    /** An entry written for other targets, rewritten for the current ones: NaN (and imputed) where it has no value. */
    private byte[] convert(byte[] old) {
        Rows rows = decode(old);
        int[] from = targets.stream().mapToInt(rows.targets()::indexOf).toArray();
        ByteBuffer out = ByteBuffer.allocate(header.length + rows.size() * rowWidth(targets.size()));
        out.put(header);
        for (int r = 0; r < rows.size(); r++) {
            out.putLong(rows.windowStarts()[r]);
            for (int k : from) {
                out.putFloat(k < 0 ? Float.NaN : rows.values()[r][k]);
            }
            for (int k : from) {
                out.put((byte) (k >= 0 && rows.observed()[r][k] ? 1 : 0));
            }
        }
        return out.array();
    }

    /** Uses the targets {@code source} gives now, and rewrites the header when they change. */
    private void refreshTargets() {
        List<String> now = source.get();
        if (now.equals(targets)) {
            return;
        }
        targets = List.copyOf(now);
        header = header(targets);
        columnsBySpec.clear();
    }

    /** The union of the targets of the models {@code slots} serve, recomputed only when one of them changes. */
    static Supplier<List<String>> servedTargets(List<ModelSlot> slots) {
        return new Supplier<>() {
            private final ServedModel[] models = new ServedModel[slots.size()];
            private List<String> targets = List.of();

            @Override
            public List<String> get() {
                boolean changed = false;
                for (int i = 0; i < models.length; i++) {
                    ServedModel model = slots.get(i).current();
                    changed |= model != models[i];
                    models[i] = model;
                }
                if (changed) {
                    Set<String> names = new LinkedHashSet<>();
                    for (ServedModel model : models) {
                        if (model != null) {
                            names.addAll(model.manifest().targets());
                        }
                    }
                    targets = List.copyOf(names);
                }
                return targets;
            }
        };
    }

    private static int rowWidth(int targets) {
        return 8 + 5 * targets;
    }

    private static byte[] header(List<String> names) {
        List<byte[]> encoded = names.stream().map(n -> n.getBytes(StandardCharsets.UTF_8)).toList();
        ByteBuffer b = ByteBuffer.allocate(1 + 4 + encoded.stream().mapToInt(e -> 4 + e.length).sum());
        b.put(VERSION).putInt(names.size());
        encoded.forEach(e -> b.putInt(e.length).put(e));
        return b.array();
    }

    private static boolean startsWith(byte[] bytes, byte[] prefix) {
        return bytes.length >= prefix.length && java.util.Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** One entity's rows. */
    public record Rows(List<String> targets, long[] windowStarts, float[][] values, boolean[][] observed) {

        public int size() {
            return windowStarts.length;
        }
    }

    /** The rows of an entry of the store; an entry of another version reads as no rows. */
    public static Rows decode(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (bytes.length < 5 || b.get() != VERSION) {
            return new Rows(List.of(), new long[0], new float[0][], new boolean[0][]);
        }
        int n = b.getInt();
        List<String> names = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] name = new byte[b.getInt()];
            b.get(name);
            names.add(new String(name, StandardCharsets.UTF_8));
        }
        int rows = b.remaining() / rowWidth(n);
        long[] starts = new long[rows];
        float[][] values = new float[rows][n];
        boolean[][] observed = new boolean[rows][n];
        for (int r = 0; r < rows; r++) {
            starts[r] = b.getLong();
            for (int k = 0; k < n; k++) {
                values[r][k] = b.getFloat();
            }
            for (int k = 0; k < n; k++) {
                observed[r][k] = b.get() == 1;
            }
        }
        return new Rows(List.copyOf(names), starts, values, observed);
    }
}
