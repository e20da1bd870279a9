package dev.streamcast.trainer.data;

import java.util.List;

/**
 * Series prepared for training under the long-horizon protocol: the input columns z-scored
 * with statistics of the training split only, the splits, and windows of {@code lookback}
 * inputs followed by {@code horizon} targets.
 *
 * <p>One series (a CSV) or a panel of several with the same columns (one per entity, read from
 * the features topic): each series is split on its own, one model learns from the windows of
 * all of them, no window crosses from one series into the next, and the normalisation is one
 * mean and standard deviation per column over the training rows of every series, because the
 * forecaster applies one normalisation to every entity.
 */
public final class Dataset {

    public enum Split { TRAIN, VALIDATION, TEST }

    private final List<SeriesTable> series;
    private final List<String> inputs;
    private final List<String> targets;
    private final int[] targetIndex;   // [T] index of each target among the inputs
    private final int lookback;
    private final int horizon;
    private final Splits[] splits;     // per series, in rows of the concatenation
    private final double[] mean;       // [F]
    private final double[] std;        // [F]
    private final float[] z;           // [rows of all series, F] normalised inputs
    private final boolean latestValidation; // the validation windows are the latest block, the test windows the one before
    private final boolean refit;            // the training windows are those of training and validation together

    private Dataset(List<SeriesTable> series, List<Splits> localSplits, List<String> inputs, List<String> targets,
                    int lookback, int horizon) {
        this.latestValidation = false;
        this.refit = false;
        this.series = List.copyOf(series);
        this.inputs = List.copyOf(inputs);
        this.targets = List.copyOf(targets);
        this.lookback = lookback;
        this.horizon = horizon;
        int f = inputs.size();
        targetIndex = targets.stream().mapToInt(inputs::indexOf).toArray();
        splits = new Splits[series.size()];
        int offset = 0;
        for (int i = 0; i < series.size(); i++) {
            Splits local = localSplits.get(i);
            splits[i] = new Splits(offset + local.trainEnd(), offset + local.valStart(), offset + local.valEnd(),
                    offset + local.testStart(), offset + local.testEnd());
            offset += series.get(i).rows();
        }
        mean = new double[f];
        std = new double[f];
        long n = 0;
        for (int i = 0; i < series.size(); i++) {
            n += localSplits.get(i).trainEnd();
        }
        for (int c = 0; c < f; c++) {
            double sum = 0;
            for (int i = 0; i < series.size(); i++) {
                SeriesTable table = series.get(i);
                int column = table.column(inputs.get(c));
                for (int r = 0; r < localSplits.get(i).trainEnd(); r++) {
                    sum += table.values()[r][column];
                }
            }
            mean[c] = sum / n;
            double ss = 0;
            for (int i = 0; i < series.size(); i++) {
                SeriesTable table = series.get(i);
                int column = table.column(inputs.get(c));
                for (int r = 0; r < localSplits.get(i).trainEnd(); r++) {
                    double d = table.values()[r][column] - mean[c];
                    ss += d * d;
                }
            }
            std[c] = Math.sqrt(ss / n);
            if (!(std[c] > 0)) {
                throw new CsvFormatException(source() + ", column '" + inputs.get(c)
                        + "': constant over the training split, cannot be z-scored");
            }
        }
        z = new float[offset * f];
        int row = 0;
        for (SeriesTable table : series) {
            int[] columns = inputs.stream().mapToInt(table::column).toArray();
            for (int r = 0; r < table.rows(); r++, row++) {
                for (int c = 0; c < f; c++) {
                    z[row * f + c] = (float) ((table.values()[r][columns[c]] - mean[c]) / std[c]);
                }
            }
        }
    }

    /** Mode S: {@code target} in and out; M: every column in and out; MS: every column in, {@code target} out. */
    public static Dataset of(SeriesTable table, Mode mode, String target, int lookback, int horizon) {
        checkWindow(lookback, horizon);
        if (mode != Mode.M) {
            table.column(target); // names the file and the missing column
        }
        return new Dataset(List.of(table), List.of(Splits.ett(table, lookback, horizon)), inputs(table, mode, target),
                targets(table, mode, target), lookback, horizon);
    }

    /**
     * A panel of series with the same columns and step, one per entity. A series too short to
     * give every split one window is left out and reported to {@code skipped}; at least one must remain.
     */
    public static Dataset panel(List<SeriesTable> series, Mode mode, String target, int lookback, int horizon,
                                java.util.function.Consumer<String> skipped) {
        checkWindow(lookback, horizon);
        if (series.isEmpty()) {
            throw new IllegalArgumentException("no series to train on");
        }
        SeriesTable first = series.get(0);
        if (mode != Mode.M) {
            first.column(target);
        }
        List<SeriesTable> kept = new java.util.ArrayList<>();
        List<Splits> splits = new java.util.ArrayList<>();
        for (SeriesTable table : series) {
            if (!table.columns().equals(first.columns())) {
                throw new IllegalArgumentException(table.source() + " has columns " + table.columns() + ", but "
                        + first.source() + " has " + first.columns() + ": a panel needs the same columns in every series");
            }
            try {
                splits.add(Splits.ett(table, lookback, horizon));
                kept.add(table);
            } catch (CsvFormatException e) {
                skipped.accept(e.getMessage());
            }
        }
        if (kept.isEmpty()) {
            throw new IllegalArgumentException("none of the " + series.size() + " series has enough rows for look-back "
                    + lookback + " plus horizon " + horizon + " in each split; the first: " + first.source() + " with "
                    + first.rows() + " rows");
        }
        return new Dataset(kept, splits, inputs(first, mode, target), targets(first, mode, target), lookback, horizon);
    }

    private static void checkWindow(int lookback, int horizon) {
        if (lookback < 2) {
            throw new IllegalArgumentException("look-back must be at least 2, got " + lookback);
        }
        if (horizon < 1) {
            throw new IllegalArgumentException("horizon must be at least 1, got " + horizon);
        }
    }

    private static List<String> inputs(SeriesTable table, Mode mode, String target) {
        return mode == Mode.S ? List.of(target) : table.columns();
    }

    private static List<String> targets(SeriesTable table, Mode mode, String target) {
        return mode == Mode.M ? table.columns() : List.of(target);
    }

    /** The series trained on, in row order of the windows. */
    public List<SeriesTable> series() {
        return series;
    }

    /** Where the data came from: the file, or the topic and how many series. */
    public String source() {
        return series.size() == 1 ? series.get(0).source()
                : series.get(0).source().replaceAll("#.*$", "") + " (" + series.size() + " series)";
    }

    /** Rows of all series together. */
    public int rows() {
        return series.stream().mapToInt(SeriesTable::rows).sum();
    }

    public long stepMillis() {
        return series.get(0).stepMillis();
    }

    /**
     * The training split's time range (first row to the first row after it) and row count, over all series; in a
     * {@link #refitting} view the validation block's rows count too and the range ends where that block ends.
     */
    public dev.streamcast.contracts.bundle.BundleManifest.TrainingData trainingData() {
        long from = Long.MAX_VALUE;
        long to = Long.MIN_VALUE;
        long rows = 0;
        for (int i = 0; i < series.size(); i++) {
            long[] ts = series.get(i).timestamps();
            Splits s = splits[i];
            int end = s.trainEnd() - offset(i);                 // the local train end
            rows += end;
            if (refit) { // and the validation block's own rows: the block before the test block, or the latest
                int validationEnd = latestValidation ? s.testEnd() : s.valEnd();
                rows += validationEnd - (latestValidation ? s.valEnd() : s.trainEnd());
                end = validationEnd - offset(i);
            }
            from = Math.min(from, ts[0]);
            to = Math.max(to, end < ts.length ? ts[end] : ts[ts.length - 1] + series.get(i).stepMillis());
        }
        return new dev.streamcast.contracts.bundle.BundleManifest.TrainingData(source(), from, to, rows);
    }

    private int offset(int seriesIndex) {
        int offset = 0;
        for (int i = 0; i < seriesIndex; i++) {
            offset += series.get(i).rows();
        }
        return offset;
    }

    public List<String> inputs() {
        return inputs;
    }

    public List<String> targets() {
        return targets;
    }

    public int[] targetIndex() {
        return targetIndex.clone();
    }

    public int features() {
        return inputs.size();
    }

    public int lookback() {
        return lookback;
    }

    public int horizon() {
        return horizon;
    }

    /** The splits of the first series (of the only one, for a CSV). */
    public Splits splits() {
        return splits[0];
    }

    public double[] mean() {
        return mean.clone();
    }

    public double[] std() {
        return std.clone();
    }

    /** Normalised inputs of rows [from, to): [to - from, F]. */
    public float[] rows(int from, int to) {
        return java.util.Arrays.copyOfRange(z, from * features(), to * features());
    }

    private Dataset(Dataset d, boolean latestValidation, boolean refit) {
        this.series = d.series;
        this.inputs = d.inputs;
        this.targets = d.targets;
        this.targetIndex = d.targetIndex;
        this.lookback = d.lookback;
        this.horizon = d.horizon;
        this.splits = d.splits;
        this.mean = d.mean;
        this.std = d.std;
        this.z = d.z;
        this.latestValidation = latestValidation;
        this.refit = refit;
    }

    /**
     * The same data with the roles of the two held-out blocks exchanged: validation (early stopping, the learning-rate
     * choice, the champion) is each series' latest block, and the test score is taken on the block before it. For
     * retraining on a live stream, where what matters is how the latest data behave (after a drift, most of them are
     * in that block); training rows and normalisation do not change.
     */
    public Dataset selectingOnLatest() {
        return new Dataset(this, true, refit);
    }

    /**
     * The same data for a refit after the choice: the training windows are those of training and validation together
     * (validation keeps its windows, now seen in training, and the test split stays held out); normalisation does not
     * change. A fitter on this view runs the epochs it is given, without early stopping.
     */
    public Dataset refitting() {
        return new Dataset(this, latestValidation, true);
    }

    /** Whether the training windows include the validation windows ({@link #refitting}). */
    public boolean refits() {
        return refit;
    }

    /** Whether validation is the latest block ({@link #selectingOnLatest}). */
    public boolean selectsOnLatest() {
        return latestValidation;
    }

    /** The first row of every window of a split: windows start at these rows and need lookback + horizon rows. */
    public int[] windowStarts(Split split) {
        if (refit && split == Split.TRAIN) {
            int[] train = new Dataset(this, latestValidation, false).windowStarts(Split.TRAIN);
            int[] validation = windowStarts(Split.VALIDATION);
            int[] both = java.util.Arrays.copyOf(train, train.length + validation.length);
            System.arraycopy(validation, 0, both, train.length, validation.length);
            return both;
        }
        if (latestValidation && split != Split.TRAIN) {
            split = split == Split.VALIDATION ? Split.TEST : Split.VALIDATION;
        }
        java.util.stream.IntStream.Builder starts = java.util.stream.IntStream.builder();
        for (int i = 0; i < splits.length; i++) {
            Splits s = splits[i];
            int from = switch (split) {
                case TRAIN -> offset(i);
                case VALIDATION -> s.valStart();
                case TEST -> s.testStart();
            };
            int to = switch (split) {
                case TRAIN -> s.trainEnd();
                case VALIDATION -> s.valEnd();
                case TEST -> s.testEnd();
            };
            for (int start = from; start <= to - lookback - horizon; start++) {
                starts.add(start);
            }
        }
        return starts.build().toArray();
    }

    /** Inputs of the windows starting at {@code starts[from..to)}: [n, lookback, F]. */
    public float[] inputs(int[] starts, int from, int to) {
        int f = features();
        float[] x = new float[(to - from) * lookback * f];
        for (int i = from; i < to; i++) {
            System.arraycopy(z, starts[i] * f, x, (i - from) * lookback * f, lookback * f);
        }
        return x;
    }

    /** Targets following those windows: [n, horizon, T]. */
    public float[] targets(int[] starts, int from, int to) {
        int f = features();
        int t = targetIndex.length;
        float[] y = new float[(to - from) * horizon * t];
        for (int i = from; i < to; i++) {
            int first = starts[i] + lookback;
            for (int h = 0; h < horizon; h++) {
                for (int k = 0; k < t; k++) {
                    y[((i - from) * horizon + h) * t + k] = z[(first + h) * f + targetIndex[k]];
                }
            }
        }
        return y;
    }
}
