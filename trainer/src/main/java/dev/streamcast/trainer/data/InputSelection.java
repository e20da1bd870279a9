package dev.streamcast.trainer.data;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Which columns a model reads ({@code --inputs}): names, or patterns with {@code *} ({@code text.kw.*}), in the order
 * given; in mode MS the target is always among them. Columns with one value in every row of every series are dropped
 * with a warning (a keyword that never occurs carries nothing and cannot be z-scored), unless one is a target, which
 * stays and fails with the reason when the data set is built. Modes M and MS without {@code --inputs} read every
 * column, so the same dropping applies to them.
 */
public final class InputSelection {

    private InputSelection() {
    }

    /**
     * The series with only the selected columns. {@code inputs} blank: every column (modes M and MS; S reads its
     * target alone and is returned as it is).
     */
    public static List<SeriesTable> select(List<SeriesTable> series, Mode mode, String target, String inputs, Consumer<String> warn) {
        if (series.isEmpty()) {
            return series;
        }
        if (mode == Mode.S) {
            if (!inputs.isBlank()) {
                throw new IllegalArgumentException("--inputs: mode S reads its target alone; use --mode MS for a target with"
                        + " covariates, or --mode M to forecast every input");
            }
            return series;
        }
        List<String> columns = series.get(0).columns();
        Set<String> chosen = new LinkedHashSet<>();
        if (mode == Mode.MS) {
            chosen.add(target);
        }
        if (inputs.isBlank()) {
            chosen.addAll(columns);
        } else {
            for (String part : inputs.split(",")) {
                String name = part.strip();
                if (name.isEmpty()) {
                    continue;
                }
                List<String> matched = matching(columns, name);
                if (matched.isEmpty()) {
                    throw new IllegalArgumentException("--inputs: '" + name + "' names no column; the columns: " + columns);
                }
                chosen.addAll(matched);
            }
        }
        List<String> kept = new ArrayList<>();
        for (String column : chosen) {
            if (constant(series, column) && !(mode == Mode.MS && column.equals(target))) {
                warn.accept("dropped input " + column + ": it has one value in every row, so it carries nothing");
            } else {
                kept.add(column);
            }
        }
        if (kept.isEmpty()) {
            throw new IllegalArgumentException("--inputs: every selected column is constant; nothing to train on");
        }
        List<SeriesTable> out = new ArrayList<>(series.size());
        for (SeriesTable table : series) {
            int[] index = kept.stream().mapToInt(table::column).toArray();
            double[][] values = new double[table.rows()][];
            for (int r = 0; r < values.length; r++) {
                double[] row = new double[index.length];
                for (int c = 0; c < index.length; c++) {
                    row[c] = table.values()[r][index[c]];
                }
                values[r] = row;
            }
            out.add(new SeriesTable(table.source(), table.timestamps(), kept, values));
        }
        return out;
    }

    /** The columns {@code name} names: itself, or those its {@code *} pattern matches, in column order. */
    static List<String> matching(List<String> columns, String name) {
        if (!name.contains("*")) {
            return columns.contains(name) ? List.of(name) : List.of();
        }
        StringBuilder regex = new StringBuilder();
        for (String piece : name.split("\\*", -1)) {
            if (!regex.isEmpty()) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(piece));
        }
        Pattern pattern = Pattern.compile(regex.toString());
        return columns.stream().filter(c -> pattern.matcher(c).matches()).toList();
    }

    private static boolean constant(List<SeriesTable> series, String column) {
        double first = Double.NaN;
        for (SeriesTable table : series) {
            int c = table.column(column);
            for (double[] row : table.values()) {
                if (Double.isNaN(first)) {
                    first = row[c];
                } else if (Double.compare(row[c], first) != 0) {
                    return false;
                }
            }
        }
        return true;
    }
}
