package dev.streamcast.trainer.data;

import java.util.List;

/**
 * A series prepared for training under the long-horizon protocol: the input columns z-scored
 * with statistics of the training split only, the splits, and windows of {@code lookback}
 * inputs followed by {@code horizon} targets.
 */
public final class Dataset {

    public enum Split { TRAIN, VALIDATION, TEST }

    private final SeriesTable table;
    private final List<String> inputs;
    private final List<String> targets;
    private final int[] targetIndex;   // [T] index of each target among the inputs
    private final int lookback;
    private final int horizon;
    private final Splits splits;
    private final double[] mean;       // [F]
    private final double[] std;        // [F]
    private final float[] z;           // [rows, F] normalised inputs

    private Dataset(SeriesTable table, List<String> inputs, List<String> targets, int lookback, int horizon) {
        this.table = table;
        this.inputs = List.copyOf(inputs);
        this.targets = List.copyOf(targets);
        this.lookback = lookback;
        this.horizon = horizon;
        this.splits = Splits.ett(table, lookback, horizon);
        int f = inputs.size();
        int[] columns = inputs.stream().mapToInt(table::column).toArray();
        targetIndex = targets.stream().mapToInt(inputs::indexOf).toArray();
        mean = new double[f];
        std = new double[f];
        int n = splits.trainEnd();
        for (int c = 0; c < f; c++) {
            double sum = 0;
            for (int r = 0; r < n; r++) {
                sum += table.values()[r][columns[c]];
            }
            mean[c] = sum / n;
            double ss = 0;
            for (int r = 0; r < n; r++) {
                double d = table.values()[r][columns[c]] - mean[c];
                ss += d * d;
            }
            std[c] = Math.sqrt(ss / n);
            if (!(std[c] > 0)) {
                throw new CsvFormatException(table.source() + ", column '" + inputs.get(c)
                        + "': constant over the training split, cannot be z-scored");
            }
        }
        z = new float[table.rows() * f];
        for (int r = 0; r < table.rows(); r++) {
            for (int c = 0; c < f; c++) {
                z[r * f + c] = (float) ((table.values()[r][columns[c]] - mean[c]) / std[c]);
            }
        }
    }

    /** Mode S: {@code target} in and out; M: every column in and out; MS: every column in, {@code target} out. */
    public static Dataset of(SeriesTable table, Mode mode, String target, int lookback, int horizon) {
        if (lookback < 2) {
            throw new IllegalArgumentException("look-back must be at least 2, got " + lookback);
        }
        if (horizon < 1) {
            throw new IllegalArgumentException("horizon must be at least 1, got " + horizon);
        }
        table.column(target); // names the file and the missing column
        List<String> inputs = mode == Mode.S ? List.of(target) : table.columns();
        List<String> targets = mode == Mode.M ? table.columns() : List.of(target);
        return new Dataset(table, inputs, targets, lookback, horizon);
    }

    public SeriesTable table() {
        return table;
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

    public Splits splits() {
        return splits;
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

    /** The first row of every window of a split: windows start at these rows and need lookback + horizon rows. */
    public int[] windowStarts(Split split) {
        int from = switch (split) {
            case TRAIN -> 0;
            case VALIDATION -> splits.valStart();
            case TEST -> splits.testStart();
        };
        int to = switch (split) {
            case TRAIN -> splits.trainEnd();
            case VALIDATION -> splits.valEnd();
            case TEST -> splits.testEnd();
        };
        int count = to - from - lookback - horizon + 1;
        int[] starts = new int[count];
        for (int i = 0; i < count; i++) {
            starts[i] = from + i;
        }
        return starts;
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
