package dev.streamcast.trainer.data;

import java.util.List;

/**
 * A multivariate time series: one row per step, a timestamp per row and named numeric columns.
 * {@code values[row][column]}, in original units.
 */
public record SeriesTable(String source, long[] timestamps, List<String> columns, double[][] values) {

    public SeriesTable {
        columns = List.copyOf(columns);
        if (timestamps.length != values.length) {
            throw new IllegalArgumentException(timestamps.length + " timestamps for " + values.length + " rows");
        }
    }

    public int rows() {
        return values.length;
    }

    public int column(String name) {
        int index = columns.indexOf(name);
        if (index < 0) {
            throw new IllegalArgumentException(source + ": no column '" + name + "' (columns: " + columns + ")");
        }
        return index;
    }

    /** The rows at or after {@code fromMillis} (the same table when that is all of them). */
    public SeriesTable since(long fromMillis) {
        int first = 0;
        while (first < timestamps.length && timestamps[first] < fromMillis) {
            first++;
        }
        if (first == 0) {
            return this;
        }
        return new SeriesTable(source, java.util.Arrays.copyOfRange(timestamps, first, timestamps.length), columns,
                java.util.Arrays.copyOfRange(values, first, values.length));
    }

    /** The typical step between rows (the median difference), in milliseconds. */
    public long stepMillis() {
        if (timestamps.length < 2) {
            throw new IllegalArgumentException(source + ": fewer than two rows, no step length");
        }
        long[] diffs = new long[timestamps.length - 1];
        for (int i = 1; i < timestamps.length; i++) {
            diffs[i - 1] = timestamps[i] - timestamps[i - 1];
        }
        java.util.Arrays.sort(diffs);
        return diffs[diffs.length / 2];
    }
}
