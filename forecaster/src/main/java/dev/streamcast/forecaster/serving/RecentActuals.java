package dev.streamcast.forecaster.serving;

import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.forecaster.model.ModelSlot;
import dev.streamcast.forecaster.model.ServedModel;
import dev.streamcast.forecaster.state.EntityPages;

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
 * slots serve (a swap to a model of other targets keeps the history of the targets both name). The rows
 * live in each entity's page ({@link EntityPages}, in memory and not changelogged: a restarted instance
 * shows history again as it arrives), about entities × N × (8 + 5 × targets) bytes:
 * {@code forecaster.page.actuals-kept} sets N, 0 turns it off.
 *
 * <p>Per entity a ring of N rows written in place: a version byte 3, the number of targets n, each name
 * (length-prefixed UTF-8), then the ring's capacity N (int32), then N slots, each the window start
 * (int64), n float32 values and n flags (1 observed, 0 imputed), all big-endian. Where the ring stands
 * (its row count, the slot of its next row, its newest window start) is kept in the page's own fields,
 * so a step writes one row of the ring and reads nothing else of it. Writers and readers
 * ({@link #decode(EntityPages.Page)}) hold the page's lock.
 */
public final class RecentActuals {

    private static final byte VERSION = 3;
    private static final Rows NO_ROWS = new Rows(List.of(), new long[0], new float[0][], new boolean[0][]);

    private final Supplier<List<String>> source;
    private final int kept;
    private final Map<String, int[]> columnsBySpec = new HashMap<>();
    private List<String> targets = List.of();
    private byte[] header = new byte[0];

    /** Keeps {@code kept} rows per entity of the targets {@code targets} names at each record (see {@link #servedTargets}). */
    RecentActuals(Supplier<List<String>> targets, int kept) {
        this.source = targets;
        this.kept = kept;
    }

    /** Appends the targets' values of {@code vector} to the rows of the entity's {@code page}, dropping the oldest beyond N. */
    void record(EntityPages.Page page, FeatureVector vector, FeatureSpec spec) {
        refreshTargets();
        if (targets.isEmpty()) {
            return;
        }
        int[] columns = columnsBySpec.get(spec.id());
        if (columns == null) { // not computeIfAbsent: its lambda would capture the spec, an allocation per input
            columns = targets.stream().mapToInt(spec::indexOf).toArray();
            columnsBySpec.put(spec.id(), columns);
        }
        synchronized (page) {
            if (page.actualsLayout != header) {
                // new, or kept for the targets of earlier models (carried over where the names meet) or another N
                layOut(page, page.actuals == null ? NO_ROWS : decode(page));
            }
            if (page.actualsCount > 0 && vector.windowStart() <= page.actualsNewest) {
                return; // replayed or out of order: the chart already has this step or a later one
            }
            ByteBuffer b = ByteBuffer.wrap(page.actuals);
            b.position(header.length + 4 + page.actualsNext * rowWidth(columns.length));
            b.putLong(vector.windowStart());
            for (int column : columns) {
                b.putFloat(column < 0 ? Float.NaN : (float) vector.values()[column]);
            }
            for (int column : columns) {
                b.put((byte) (column >= 0 && vector.observed()[column] ? 1 : 0));
            }
            page.actualsCount = Math.min(page.actualsCount + 1, kept);
            page.actualsNext = (page.actualsNext + 1) % kept;
            page.actualsNewest = vector.windowStart();
        }
    }

    /** Gives the page a ring for the current targets and N holding the newest N of {@code rows}, and where it stands. */
    private void layOut(EntityPages.Page page, Rows rows) {
        page.actuals = convert(rows);
        page.actualsLayout = header;
        page.actualsCount = Math.min(rows.size(), kept);
        page.actualsNext = page.actualsCount % kept;
        page.actualsNewest = rows.size() == 0 ? Long.MIN_VALUE : rows.windowStarts()[rows.size() - 1];
    }

    /** Rows written for other targets or another N, rewritten for the current ones: NaN (and imputed) where they have no value. */
    private byte[] convert(Rows rows) {
        int[] from = targets.stream().mapToInt(rows.targets()::indexOf).toArray();
        float[][] values = new float[rows.size()][];
        boolean[][] observed = new boolean[rows.size()][];
        for (int r = 0; r < rows.size(); r++) {
            values[r] = new float[from.length];
            observed[r] = new boolean[from.length];
            for (int k = 0; k < from.length; k++) {
                values[r][k] = from[k] < 0 ? Float.NaN : rows.values()[r][from[k]];
                observed[r][k] = from[k] >= 0 && rows.observed()[r][from[k]];
            }
        }
        return ring(rows.windowStarts(), values, observed);
    }

    /** A ring of capacity N for the current targets holding the newest N of the given rows (oldest first). */
    private byte[] ring(long[] starts, float[][] values, boolean[][] observed) {
        int width = rowWidth(targets.size());
        int from = Math.max(0, starts.length - kept);
        ByteBuffer b = ByteBuffer.allocate(header.length + 4 + kept * width);
        b.put(header).putInt(kept);
        for (int r = from; r < starts.length; r++) {
            b.putLong(starts[r]);
            for (float v : values[r]) {
                b.putFloat(v);
            }
            for (boolean o : observed[r]) {
                b.put((byte) (o ? 1 : 0));
            }
        }
        return b.array();
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

    /** One entity's rows. */
    public record Rows(List<String> targets, long[] windowStarts, float[][] values, boolean[][] observed) {

        public int size() {
            return windowStarts.length;
        }
    }

    /** The rows of an entity's page, oldest first, or null when it keeps none. */
    public static Rows decode(EntityPages.Page page) {
        synchronized (page) { // the stream thread writes rows in place
            return page.actuals == null ? null : decode(page.actuals, page.actualsCount, page.actualsNext);
        }
    }

    /**
     * The {@code rows} rows of a ring whose next row goes to slot {@code next}, oldest first; a ring of
     * another version reads as no rows. The caller holds its page's lock.
     */
    static Rows decode(byte[] bytes, int rows, int next) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        if (bytes.length < 5 || b.get() != VERSION) {
            return NO_ROWS;
        }
        int n = b.getInt();
        List<String> names = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] name = new byte[b.getInt()];
            b.get(name);
            names.add(new String(name, StandardCharsets.UTF_8));
        }
        int capacity = b.getInt();
        int first = b.position();
        int width = rowWidth(n);
        long[] starts = new long[rows];
        float[][] values = new float[rows][n];
        boolean[][] observed = new boolean[rows][n];
        for (int r = 0; r < rows; r++) {
            b.position(first + ((next - rows + r + capacity) % capacity) * width);
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
