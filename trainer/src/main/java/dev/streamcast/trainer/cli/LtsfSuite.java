package dev.streamcast.trainer.cli;

import ai.onnxruntime.OrtException;
import dev.streamcast.contracts.cli.Options;
import dev.streamcast.trainer.arch.Architecture;
import dev.streamcast.trainer.arch.Architectures;
import dev.streamcast.trainer.arch.QuantileHead;
import dev.streamcast.trainer.arch.TrainOptions;
import dev.streamcast.trainer.arch.TrainedModel;
import dev.streamcast.trainer.arch.TrainingProgress;
import dev.streamcast.trainer.data.CsvSeries;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.data.Mode;
import dev.streamcast.trainer.data.SeriesTable;
import dev.streamcast.trainer.eval.Backtest;
import dev.streamcast.trainer.eval.Comparison;
import dev.streamcast.trainer.onnx.OrtRunner;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./streamcast bench accuracy --suite ltsf --data <csv>}: the long-horizon protocol at every horizon (96, 192,
 * 336, 720) in modes M and S. Each learned architecture chooses its look-back (from {@code --lookbacks}) and learning
 * rate (its own and one more) on the validation split with the first seed, then trains at that choice with every
 * seed; the test split (all of it: no window is dropped) is what is reported, as the mean and range over the seeds.
 * The best streamable per mode and horizon is the learned architecture with the lowest validation error: the test
 * split plays no part in any choice. Last line:
 * {@code ltsf M mse_96=.. mse_192=.. mse_336=.. mse_720=.. S mse_96=.. ... arch=<name>}.
 */
public final class LtsfSuite {

    static final Map<String, String> OPTIONS = options();

    private LtsfSuite() {
    }

    private static Map<String, String> options() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("--suite", "ltsf");
        o.put("--data", "");
        o.put("--target", "OT");
        o.put("--modes", "M,S");
        o.put("--horizons", "96,192,336,720");
        o.put("--arch", "last-value,seasonal-naive,dlinear,rlinear,nlinear,sparsetsf");
        o.put("--lookbacks", "96,336,720");
        o.put("--seeds", "3");
        o.put("--epochs", "20");
        o.put("--patience", "3");
        o.put("--batch-size", "32");
        o.put("--season", "24");
        o.put("--trend-kernel", "25");
        o.put("--max-train-windows", "0");
        return o;
    }

    /** One architecture at one mode and horizon: the choice made on validation, and the test errors over the seeds. */
    record Row(Mode mode, int horizon, String arch, boolean trivial, int lookback, float rate, double valMse, double[] mse,
               double[] mae, long stateBytes, double stepMicros, double seconds) {

        double meanMse() {
            return Arrays.stream(mse).average().orElse(Double.NaN);
        }

        double meanMae() {
            return Arrays.stream(mae).average().orElse(Double.NaN);
        }

        String range() {
            double min = Arrays.stream(mse).min().orElse(Double.NaN);
            double max = Arrays.stream(mse).max().orElse(Double.NaN);
            return mse.length == 1 ? "-" : String.format(Locale.ROOT, "%.4f..%.4f", min, max);
        }
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args, OPTIONS, "bench accuracy --suite ltsf");
            if (!o.get("--suite").equals("ltsf")) {
                throw new IllegalArgumentException("--suite: the one suite is 'ltsf', got '" + o.get("--suite") + "'");
            }
            if (o.get("--data").isBlank()) {
                throw new IllegalArgumentException("--data is required: a CSV in the ETTh1 layout");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("streamcast bench accuracy: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            run(CsvSeries.read(Path.of(o.get("--data"))), o, System.out, TrainCommand.progress(System.err));
        } catch (IllegalArgumentException | dev.streamcast.trainer.data.CsvFormatException e) {
            System.err.println("streamcast bench accuracy: " + e.getMessage());
            System.exit(2);
        }
        System.exit(0);
    }

    static List<Row> run(SeriesTable table, Options o, PrintStream out, TrainingProgress progress) throws OrtException {
        long started = System.nanoTime();
        List<Mode> modes = Arrays.stream(o.get("--modes").split(",")).map(m -> Mode.valueOf(m.strip().toUpperCase(Locale.ROOT))).toList();
        int[] horizons = ints(o, "--horizons");
        int[] lookbacks = ints(o, "--lookbacks");
        int seeds = (int) o.getLong("--seeds", 1, 20);
        List<Architecture> archs = Architectures.parse(o.get("--arch"));
        TrainOptions base = TrainOptions.defaults().withEpochs((int) o.getLong("--epochs", 1, 10_000))
                .withSeason((int) o.getLong("--season", 2, 100_000), (int) o.getLong("--trend-kernel", 1, 100_001))
                .withMaxTrainWindows((int) o.getLong("--max-train-windows", 0, Integer.MAX_VALUE));
        base = new TrainOptions(base.maxEpochs(), (int) o.getLong("--patience", 1, 10_000), (int) o.getLong("--batch-size", 1, 1 << 16),
                0f, base.hidden(), base.layers(), base.dropout(), 1L, base.maxTrainWindows(), base.seasonPeriod(),
                base.trendKernel(), new double[0]);
        List<Row> rows = new ArrayList<>();
        for (Mode mode : modes) {
            for (int horizon : horizons) {
                for (Architecture arch : archs) {
                    Row row = measure(table, mode, o.get("--target"), horizon, arch, arch.trivial() ? new int[]{lookbacks[0]} : lookbacks,
                            seeds, base, progress);
                    out.printf(Locale.ROOT, "ltsf %s H=%d %s L=%d lr=%s val_mse=%.4f mse=%.4f (%s) mae=%.4f state_bytes=%d"
                                    + " step_us_b1=%.1f %.0f s%n", mode, horizon, row.arch(), row.lookback(),
                            row.rate() > 0 ? String.format(Locale.ROOT, "%.0e", row.rate()) : "-", row.valMse(), row.meanMse(),
                            row.range(), row.meanMae(), row.stateBytes(), row.stepMicros(), row.seconds());
                    rows.add(row);
                }
            }
        }
        out.println();
        print(rows, out);
        out.printf(Locale.ROOT, "ltsf suite: %.1f min%n", (System.nanoTime() - started) / 60e9);
        out.println(lastLine(rows, modes, horizons));
        return rows;
    }

    /** Chooses look-back and rate on validation with seed 1, then tests that choice with every seed. */
    static Row measure(SeriesTable table, Mode mode, String target, int horizon, Architecture arch, int[] lookbacks, int seeds,
                       TrainOptions base, TrainingProgress progress) throws OrtException {
        long start = System.nanoTime();
        int bestLookback = 0;
        float bestRate = 0;
        double bestVal = Double.POSITIVE_INFINITY;
        double[] mse = new double[arch.trivial() ? 1 : seeds];
        double[] mae = new double[mse.length];
        long stateBytes = 0;
        double step = Double.NaN;
        for (int lookback : lookbacks) {
            Dataset data = Dataset.of(table, mode, target, lookback, horizon);
            for (float rate : Comparison.learningRates(arch, 0, true)) {
                try (TrainedModel model = QuantileHead.fit(arch, data, rate > 0 ? base.withLearningRate(rate) : base, progress)) {
                    double val = Backtest.validate(model, data).mse();
                    if (val < bestVal) {
                        bestVal = val;
                        bestLookback = lookback;
                        bestRate = rate;
                        Backtest.Scores test = Backtest.test(model, data);
                        mse[0] = test.mse();
                        mae[0] = test.mae();
                        stateBytes = model.state().stream().mapToLong(s -> s.bytesPerEntity()).sum();
                        step = OrtRunner.stepMicros(model.stepGraph(), model.state(), 1, data.features(), 300);
                    }
                }
            }
        }
        Dataset chosen = Dataset.of(table, mode, target, bestLookback, horizon);
        for (int seed = 2; seed <= mse.length; seed++) {
            TrainOptions options = (bestRate > 0 ? base.withLearningRate(bestRate) : base).withSeed(seed);
            try (TrainedModel model = QuantileHead.fit(arch, chosen, options, progress)) {
                Backtest.Scores test = Backtest.test(model, chosen);
                mse[seed - 1] = test.mse();
                mae[seed - 1] = test.mae();
            }
        }
        return new Row(mode, horizon, arch.name(), arch.trivial(), bestLookback, bestRate, bestVal, mse, mae, stateBytes, step,
                (System.nanoTime() - start) / 1e9);
    }

    static void print(List<Row> rows, PrintStream out) {
        out.printf("%-4s %5s %-16s %5s %7s %9s %9s %15s %9s %12s %10s %8s%n", "mode", "H", "architecture", "L", "lr", "val mse",
                "mse", "mse range", "mae", "state bytes", "step us", "s");
        for (Row r : rows) {
            out.printf(Locale.ROOT, "%-4s %5d %-16s %5d %7s %9.4f %9.4f %15s %9.4f %12d %10.1f %8.0f%n", r.mode(), r.horizon(),
                    r.arch(), r.lookback(), r.rate() > 0 ? String.format(Locale.ROOT, "%.0e", r.rate()) : "-", r.valMse(),
                    r.meanMse(), r.range(), r.meanMae(), r.stateBytes(), r.stepMicros(), r.seconds());
        }
    }

    /** The learned architecture with the lowest validation error at each mode and horizon, and its test error. */
    static String lastLine(List<Row> rows, List<Mode> modes, int[] horizons) {
        StringBuilder line = new StringBuilder("ltsf");
        LinkedHashSet<String> names = new LinkedHashSet<>();
        List<String> each = new ArrayList<>();
        for (Mode mode : modes) {
            line.append(' ').append(mode);
            for (int h : horizons) {
                Row best = rows.stream().filter(r -> r.mode() == mode && r.horizon() == h && !r.trivial())
                        .min(java.util.Comparator.comparingDouble(Row::valMse)).orElse(null);
                line.append(String.format(Locale.ROOT, " mse_%d=%s", h, best == null ? "none" : String.format(Locale.ROOT, "%.4f",
                        best.meanMse())));
                if (best != null) {
                    names.add(best.arch());
                    each.add(mode + ":" + h + ":" + best.arch());
                }
            }
        }
        line.append(" arch=").append(names.size() == 1 ? names.iterator().next() : String.join(",", each));
        return line.toString();
    }

    private static int[] ints(Options o, String name) {
        try {
            int[] values = Arrays.stream(o.get(name).split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
            if (values.length == 0 || Arrays.stream(values).anyMatch(v -> v < 1)) {
                throw new NumberFormatException();
            }
            return values;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be positive whole numbers separated by commas, got '" + o.get(name) + "'");
        }
    }
}
