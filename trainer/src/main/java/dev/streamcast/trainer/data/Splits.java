package dev.streamcast.trainer.data;

/**
 * Row ranges of the train, validation and test splits, end exclusive. Validation and test start
 * {@code lookback} rows early so that their first window's forecast starts right where the
 * previous split ends (the standard long-horizon protocol).
 */
public record Splits(int trainEnd, int valStart, int valEnd, int testStart, int testEnd) {

    private static final long MONTH_MILLIS = 30L * 24 * 3_600_000L;

    /**
     * The standard ETT borders (the first 12, 4 and 4 months: for hourly data rows [0, 8640),
     * [8640 - L, 11520), [11520 - L, 14400)) when the series spans 20 months, otherwise 60/20/20
     * of the rows with the same look-back overlap.
     */
    public static Splits ett(SeriesTable table, int lookback, int horizon) {
        int rows = table.rows();
        long rowsPerMonth = MONTH_MILLIS / table.stepMillis();
        int trainEnd;
        int valEnd;
        int testEnd;
        if (rows >= 20 * rowsPerMonth) {
            trainEnd = (int) (12 * rowsPerMonth);
            valEnd = (int) (16 * rowsPerMonth);
            testEnd = (int) (20 * rowsPerMonth);
        } else {
            trainEnd = (int) (rows * 0.6);
            valEnd = (int) (rows * 0.8);
            testEnd = rows;
        }
        Splits splits = new Splits(trainEnd, trainEnd - lookback, valEnd, valEnd - lookback, testEnd);
        int needed = lookback + horizon;
        if (splits.trainEnd < needed || splits.valEnd - splits.valStart < needed || splits.testEnd - splits.testStart < needed) {
            throw new CsvFormatException(table.source() + ": " + rows + " rows are too few for look-back " + lookback
                    + " plus horizon " + horizon + " in each of the train, validation and test splits ("
                    + splits + "); the smallest split needs " + needed + " rows");
        }
        return splits;
    }
}
