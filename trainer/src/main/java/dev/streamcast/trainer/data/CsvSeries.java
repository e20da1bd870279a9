package dev.streamcast.trainer.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a CSV in the ETT layout: a header, a date column first ({@code 2016-07-01 00:00:00},
 * ISO-8601 with or without offset, or epoch milliseconds; no offset means UTC), then numeric
 * columns. Every problem names the file, the line and the column.
 */
public final class CsvSeries {

    private static final DateTimeFormatter SPACE_SEPARATED = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm[:ss]");

    private CsvSeries() {
    }

    public static SeriesTable read(Path file) {
        String name = file.toString();
        List<long[]> stamps = new ArrayList<>();
        List<double[]> rows = new ArrayList<>();
        List<String> columns;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = in.readLine();
            if (header == null || header.isBlank()) {
                throw new CsvFormatException(name + " line 1: empty file, expected a header such as date,HUFL,...,OT");
            }
            String[] names = split(header.strip());
            if (names.length < 2) {
                throw new CsvFormatException(name + " line 1: expected a date column and at least one numeric column, got " + header);
            }
            columns = Arrays.stream(names, 1, names.length).map(String::strip).toList();
            for (int c = 0; c < columns.size(); c++) {
                if (columns.get(c).isEmpty() || columns.indexOf(columns.get(c)) != c) {
                    throw new CsvFormatException(name + " line 1, column " + (c + 2) + ": empty or duplicate column name '" + columns.get(c) + "'");
                }
            }
            String line;
            int lineNumber = 1;
            long previous = Long.MIN_VALUE;
            while ((line = in.readLine()) != null) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = split(line);
                if (cells.length != names.length) {
                    throw new CsvFormatException(name + " line " + lineNumber + ": " + cells.length + " cells, the header has " + names.length);
                }
                long ts = timestamp(cells[0].strip(), name, lineNumber, names[0]);
                if (ts <= previous) {
                    throw new CsvFormatException(name + " line " + lineNumber + ", column '" + names[0] + "': " + cells[0]
                            + " is not after the previous row");
                }
                previous = ts;
                double[] row = new double[columns.size()];
                for (int c = 0; c < row.length; c++) {
                    String cell = cells[c + 1].strip();
                    try {
                        row[c] = Double.parseDouble(cell);
                    } catch (NumberFormatException e) {
                        throw new CsvFormatException(name + " line " + lineNumber + ", column '" + columns.get(c) + "' ("
                                + (c + 2) + "): '" + cell + "' is not a number");
                    }
                    if (!Double.isFinite(row[c])) {
                        throw new CsvFormatException(name + " line " + lineNumber + ", column '" + columns.get(c) + "' ("
                                + (c + 2) + "): '" + cell + "' is not a finite number");
                    }
                }
                stamps.add(new long[]{ts});
                rows.add(row);
            }
        } catch (IOException e) {
            throw new CsvFormatException(name + ": cannot read (" + e.getMessage() + ")");
        }
        long[] timestamps = stamps.stream().mapToLong(s -> s[0]).toArray();
        return new SeriesTable(name, timestamps, columns, rows.toArray(double[][]::new));
    }

    private static String[] split(String line) {
        return line.split(",", -1);
    }

    private static long timestamp(String cell, String file, int line, String column) {
        try {
            if (cell.matches("-?[0-9]{9,}")) {
                return Long.parseLong(cell);
            }
            if (cell.length() > 10 && cell.charAt(10) == ' ') {
                return LocalDateTime.parse(cell, SPACE_SEPARATED).toInstant(ZoneOffset.UTC).toEpochMilli();
            }
            try {
                return OffsetDateTime.parse(cell).toInstant().toEpochMilli();
            } catch (DateTimeParseException withoutOffset) {
                return LocalDateTime.parse(cell).toInstant(ZoneOffset.UTC).toEpochMilli();
            }
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new CsvFormatException(file + " line " + line + ", column '" + column + "' (1): '" + cell
                    + "' is not a date (expected 2016-07-01 00:00:00, ISO-8601 or epoch milliseconds)");
        }
    }
}
