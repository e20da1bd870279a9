package dev.streamcast.trainer.cli;

import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.cli.Options;
import dev.streamcast.contracts.kafka.KafkaClientEnvironment;
import dev.streamcast.trainer.arch.Architecture;
import dev.streamcast.trainer.arch.Architectures;
import dev.streamcast.trainer.arch.TrainOptions;
import dev.streamcast.trainer.arch.TrainingProgress;
import dev.streamcast.trainer.bundle.BundleWriter;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.registry.client.ModelVersion;
import dev.streamcast.registry.client.PublishOptions;
import dev.streamcast.registry.client.RegistryClient;
import dev.streamcast.registry.client.RegistryException;
import dev.streamcast.trainer.data.CsvFormatException;
import dev.streamcast.trainer.data.CsvSeries;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.data.FeatureHistory;
import dev.streamcast.trainer.data.InputSelection;
import dev.streamcast.trainer.data.SeriesTable;
import dev.streamcast.contracts.json.Encoding;
import dev.streamcast.trainer.data.Mode;
import dev.streamcast.trainer.eval.Comparison;
import dev.streamcast.trainer.training.DjlSetup;
import org.apache.kafka.clients.consumer.ConsumerConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * {@code ./streamcast train --data <csv> --arch lstm,gru,... --horizon 96 --mode S|M [--out DIR]}:
 * trains each architecture under the long-horizon protocol, writes one bundle per architecture
 * and prints the comparison table.
 */
public final class TrainCommand {

    /** Every option of the command with its default. */
    public static final Map<String, String> OPTIONS = options();

    private TrainCommand() {
    }

    static Map<String, String> options() {
        TrainOptions d = TrainOptions.defaults();
        Map<String, String> o = new LinkedHashMap<>();
        o.put("--data", "");
        o.put("--arch", "all");
        o.put("--horizon", "96");
        o.put("--mode", "S");
        o.put("--target", "OT");
        o.put("--lookback", "96");
        o.put("--out", ".streamcast/models");
        o.put("--name", "");
        o.put("--publish", "");
        o.put("--alias", "");
        o.put("--token", "");
        o.put("--token-file", "");
        o.put("--epochs", String.valueOf(d.maxEpochs()));
        o.put("--patience", String.valueOf(d.patience()));
        o.put("--batch-size", String.valueOf(d.batchSize()));
        o.put("--learning-rate", "0");
        o.put("--learning-rates", "choose");
        o.put("--select-on", "earlier");
        o.put("--refit", "false");
        o.put("--history", "all");
        o.put("--inputs", "");
        o.put("--hidden", String.valueOf(d.hidden()));
        o.put("--layers", String.valueOf(d.layers()));
        o.put("--dropout", String.valueOf(d.dropout()));
        o.put("--seed", String.valueOf(d.seed()));
        o.put("--max-train-windows", "0");
        o.put("--season", String.valueOf(d.seasonPeriod()));
        o.put("--trend-kernel", String.valueOf(d.trendKernel()));
        o.put("--quantiles", "");
        o.put("--bootstrap-servers", "127.0.0.1:9092");
        o.put("--features-encoding", "json");
        o.put("--spec", "");
        o.put("--kafka-timeout-s", "30");
        return o;
    }

    /** One line per epoch: training and validation loss and the epoch's seconds. */
    static TrainingProgress progress(PrintStream out) {
        return new TrainingProgress() {
            @Override
            public void epoch(String a, int e, int m, double t, double v, double sec) {
                out.printf("  %-16s epoch %2d/%d  loss %.4f  val %.4f  %.1f s%n", a, e, m, t, v, sec);
            }

            @Override
            public void choice(String a, float rate, double val) {
                out.printf("  %-16s learning rate %.0e: validation mse %.4f%n", a, rate, val);
            }

            @Override
            public void skipped(String a, int e, int skipped, int batches, String first) {
                out.printf("  %-16s epoch %2d: skipped %d of %d batches, not finite (first: %s)%n", a, e, skipped, batches, first);
            }
        };
    }

    static TrainOptions trainOptions(Options o) {
        return new TrainOptions((int) o.getLong("--epochs", 1, 10_000), (int) o.getLong("--patience", 1, 10_000),
                (int) o.getLong("--batch-size", 1, 1 << 16), (float) o.getDouble("--learning-rate", 0, 1),
                (int) o.getLong("--hidden", 1, 4096), (int) o.getLong("--layers", 1, 16),
                (float) o.getDouble("--dropout", 0, 0.99), o.getLong("--seed", Long.MIN_VALUE, Long.MAX_VALUE),
                (int) o.getLong("--max-train-windows", 0, Integer.MAX_VALUE), (int) o.getLong("--season", 2, 100_000),
                (int) o.getLong("--trend-kernel", 1, 100_001), quantiles(o.get("--quantiles")));
    }

    /**
     * Whether to choose each architecture's learning rate on the validation split: {@code --learning-rates choose}
     * (the default: its own rate and one more, see {@code Comparison.learningRates}) or {@code default} (its own rate
     * alone, as the accuracy tables were measured); a {@code --learning-rate} above 0 is used alone either way.
     */
    static boolean chooseLearningRate(Options o) {
        String choice = o.get("--learning-rates").strip().toLowerCase(java.util.Locale.ROOT);
        return switch (choice) {
            case "choose" -> true;
            case "default" -> false;
            default -> throw new IllegalArgumentException("--learning-rates must be 'choose' (each architecture's own rate and"
                    + " one more, the better on the validation split) or 'default' (its own rate alone), got '"
                    + o.get("--learning-rates") + "'");
        };
    }

    /**
     * {@code --select-on earlier} (the protocol: validation is the block before the test block) or {@code latest}
     * (validation is the latest block, the test block the one before: {@link Dataset#selectingOnLatest}).
     */
    static Dataset selectOn(Options o, Dataset data) {
        return switch (o.get("--select-on").strip().toLowerCase(java.util.Locale.ROOT)) {
            case "earlier" -> data;
            case "latest" -> data.selectingOnLatest();
            default -> throw new IllegalArgumentException("--select-on must be 'earlier' (validation before the test block, the"
                    + " protocol) or 'latest' (validation is the latest block), got '" + o.get("--select-on") + "'");
        };
    }

    /**
     * {@code --refit true}: after the choice on the validation split, each architecture is fitted again on training and
     * validation together, for the epochs its early stopping chose, and that fit is tested, exported and published.
     */
    static boolean refit(Options o) {
        return switch (o.get("--refit").strip().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("--refit must be true (fit the chosen learning rate and epochs"
                    + " again on training and validation before export) or false, got '" + o.get("--refit") + "'");
        };
    }

    /**
     * {@code --history}: {@code all}, or an ISO-8601 duration ({@code PT30M}, {@code P14D}) of the latest history to
     * train on, counted back from the latest row of any series; empty for {@code all}.
     */
    static Optional<Duration> history(Options o) {
        String value = o.get("--history").strip();
        if (value.equalsIgnoreCase("all")) {
            return Optional.empty();
        }
        try {
            Duration d = Duration.parse(value);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("--history must be positive, got " + value);
            }
            return Optional.of(d);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("--history must be 'all' or an ISO-8601 duration such as PT30M or P14D, got '"
                    + value + "'");
        }
    }

    /** The rows of each series within {@code window} of the latest row of all of them; all rows when empty. */
    static List<SeriesTable> latest(List<SeriesTable> series, Optional<Duration> window, PrintStream out) {
        if (window.isEmpty() || series.isEmpty()) {
            return series;
        }
        long latest = series.stream().mapToLong(t -> t.timestamps()[t.rows() - 1]).max().orElseThrow();
        long from = latest - window.get().toMillis() + 1; // PT300H of hourly rows: the latest 300
        List<SeriesTable> kept = series.stream().map(t -> t.since(from)).filter(t -> t.rows() > 0).toList();
        out.printf("train: --history %s: %d of %d rows, from %s%n", window.get(), kept.stream().mapToInt(SeriesTable::rows).sum(),
                series.stream().mapToInt(SeriesTable::rows).sum(), java.time.Instant.ofEpochMilli(from));
        if (kept.isEmpty()) {
            throw new IllegalArgumentException("--history " + window.get() + " keeps no rows");
        }
        return kept;
    }

    /** {@code 0.1,0.9} to the head's levels (the median is added); blank for no quantile head. */
    static double[] quantiles(String list) {
        if (list.isBlank()) {
            return new double[0];
        }
        String[] parts = list.split(",");
        double[] levels = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                levels[i] = Double.parseDouble(parts[i].strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--quantiles: '" + parts[i].strip() + "' is not a number;"
                        + " expected levels between 0 and 1 such as 0.1,0.5,0.9");
            }
        }
        try {
            return TrainOptions.levels(levels);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--quantiles: " + e.getMessage());
        }
    }

    /** The data named by {@code --data}: a CSV path, or {@code kafka:<topic>} for the features topic's history. */
    static Dataset dataset(Options o, PrintStream out) {
        String data = o.get("--data");
        if (data.isBlank()) {
            throw new IllegalArgumentException("--data is required: a CSV in the ETTh1 layout (date column first),"
                    + " or kafka:features for the history of the features topic");
        }
        Mode mode;
        try {
            mode = Mode.valueOf(o.get("--mode").strip().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--mode must be S, M or MS, got '" + o.get("--mode") + "'");
        }
        int lookback = (int) o.getLong("--lookback", 2, 100_000);
        int horizon = (int) o.getLong("--horizon", 1, BundleManifest.MAX_HORIZON);
        if (!data.startsWith("kafka:")) {
            List<SeriesTable> table = InputSelection.select(latest(List.of(CsvSeries.read(Path.of(data))), history(o), out), mode,
                    o.get("--target"), o.get("--inputs"), line -> out.println("train: " + line));
            return Dataset.of(table.get(0), mode, o.get("--target"), lookback, horizon);
        }
        String topic = data.substring("kafka:".length());
        if (topic.isBlank()) {
            throw new IllegalArgumentException("--data kafka:<topic> needs the topic, e.g. kafka:" + Topics.FEATURES.name());
        }
        FeatureHistory.History history = new FeatureHistory(kafkaClient(o, System.getenv()),
                Duration.ofSeconds(o.getLong("--kafka-timeout-s", 1, 3600)),
                Encoding.parse("--features-encoding", o.get("--features-encoding")), line -> out.println("train: " + line))
                .read(topic, o.get("--spec"));
        String target = o.get("--target");
        if (history.spec().indexOf(target) < 0 && mode != Mode.M) {
            throw new IllegalArgumentException("--target " + target + ": not a feature of spec " + history.spec().id()
                    + "; its features: " + history.spec().names());
        }
        out.printf("train: read %d vectors of spec %s (%d features) for %d entities from %s%n", history.vectors(),
                history.spec().id(), history.spec().size(), history.series().size(), data);
        List<SeriesTable> series = InputSelection.select(latest(history.series(), history(o), out), mode, target,
                o.get("--inputs"), line -> out.println("train: " + line));
        return Dataset.panel(series, mode, target, lookback, horizon, skipped -> out.println("train: left out " + skipped));
    }

    /**
     * The features consumer's connection: every consumer setting among the {@code KAFKA_*} variables
     * of {@code environment} ({@code KAFKA_SECURITY_PROTOCOL}, {@code KAFKA_SASL_JAAS_CONFIG}, ...:
     * contracts' {@link KafkaClientEnvironment}, as the registry reads them); the broker from
     * {@code --bootstrap-servers} when given, else {@code KAFKA_BOOTSTRAP_SERVERS}, else the option's default.
     */
    static Map<String, Object> kafkaClient(Options o, Map<String, String> environment) {
        Map<String, Object> client = new HashMap<>(KafkaClientEnvironment.consumer(environment));
        if (o.given("--bootstrap-servers") || !client.containsKey(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
            client.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, o.get("--bootstrap-servers"));
        }
        return client;
    }

    public static void main(String[] args) throws Exception {
        DjlSetup.configure();
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command; returns the exit status (0, or 2 for bad input, with the reason on {@code err}). */
    public static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        try {
            Options o = Options.parse(args, OPTIONS, "train");
            Result result = train(o, out, progress(out));
            if (!o.get("--alias").isBlank()) {
                Comparison.Row best = result.champion();
                long version = result.published().get(best.arch());
                result.registry().setAlias(result.name(), o.get("--alias"), version);
                out.printf("train: %s@%s now points to version %d (%s, the lowest validation mse %.4f; test mse %.4f)%n",
                        result.name(), o.get("--alias"), version, best.arch(), best.valMse(), best.mse());
            }
            out.println();
            printTable(result, out);
            return 0;
        } catch (IllegalArgumentException | CsvFormatException e) {
            err.println("streamcast train: " + e.getMessage());
            return 2;
        } catch (RegistryException e) {
            err.println("streamcast train: publishing failed: " + e.getMessage());
            return 3;
        }
    }

    /**
     * What one training run did: the model name, the data it read, a row per architecture, the registry versions
     * published (by architecture; empty without {@code --publish}) and the registry they went to (null without).
     */
    public record Result(String name, Dataset data, List<Comparison.Row> rows, Map<String, Long> published,
                         RegistryClient registry, boolean quantiles) {

        /** The lowest validation error, baselines included ({@link Comparison#champion}). */
        public Comparison.Row champion() {
            return Comparison.champion(rows);
        }
    }

    /**
     * Reads the data, trains, backtests and writes every architecture of {@code o}, publishing each bundle when
     * {@code --publish} is given; moves no alias. {@code progress} hears every epoch (and may stop the run by
     * throwing). Bad input is an {@link IllegalArgumentException} or {@link CsvFormatException} with the reason.
     */
    public static Result train(Options o, PrintStream out, TrainingProgress progress) throws Exception {
        return train(o, out, progress, "");
    }

    /** The same, with {@code note} added to each published version's description (why the run ran). */
    public static Result train(Options o, PrintStream out, TrainingProgress progress, String note) throws Exception {
        RegistryClient registry = registry(o);
        List<Architecture> archs = Architectures.parse(o.get("--arch"));
        TrainOptions options = trainOptions(o);
        boolean choose = chooseLearningRate(o);
        boolean refit = refit(o);
        Dataset data = selectOn(o, dataset(o, out));
        String name = o.get("--name").isBlank()
                ? defaultName(o.get("--data"), o.get("--mode"), data.horizon()) : o.get("--name");
        Path dir = Path.of(o.get("--out")).resolve(name);
        out.printf("train: %s, %d rows, mode %s (%d in, %d out), look-back %d, horizon %d, splits %s%s%s%n",
                data.source(), data.rows(), o.get("--mode"), data.features(), data.targets().size(),
                data.lookback(), data.horizon(), data.splits(),
                data.selectsOnLatest() ? " (validation is the latest block, the test block the one before)" : "",
                refit ? "; each refitted on training and validation after the choice" : "");
        Dataset trained = refit ? data.refitting() : data; // what the exported models were fitted on
        List<Comparison.Row> rows = new ArrayList<>();
        Map<String, Long> published = new LinkedHashMap<>();
        for (Architecture arch : archs) {
            out.println("train: " + arch.name());
            float[] rates = Comparison.learningRates(arch, options.learningRate(), choose);
            rows.add(Comparison.run(arch, data, options, rates, refit, progress, (model, row) -> {
                try {
                    Path bundle = dir.resolve(arch.name());
                    BundleWriter.write(bundle, name, model, trained, row.metrics());
                    out.println("train: wrote " + bundle);
                    if (registry != null) {
                        ModelVersion version = registry.publish(bundle, PublishOptions.by(creator())
                                .withDescription(arch.name() + " on " + data.source() + String.format(
                                        " (validation mse %.4f; test mse %.4f, mae %.4f)", row.valMse(), row.mse(), row.mae())
                                        + (note.isBlank() ? "" : "; " + note)));
                        published.put(arch.name(), version.version());
                        out.printf("train: published %s@%d (%s) to %s%n", name, version.version(), arch.name(), registry.baseUrl());
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }));
        }
        return new Result(name, trained, List.copyOf(rows), Map.copyOf(published), registry, options.quantiles().length > 0);
    }

    static void printTable(Result result, PrintStream out) {
        boolean quantiles = result.quantiles();
        out.printf("%-16s %9s %9s %9s %8s %10s %12s %12s %14s %9s%s%n", "architecture", "val mse", "mse", "mae", "lr", "params",
                "state bytes", "step us b1", "step us b256", "train s",
                quantiles ? String.format(" %9s %9s", "pinball", "coverage") : "");
        for (Comparison.Row r : result.rows()) {
            out.printf("%-16s %9.4f %9.4f %9.4f %8s %10d %12d %12.1f %14.1f %9.1f%s%n", r.arch(), r.valMse(), r.mse(), r.mae(),
                    r.learningRate() > 0 ? String.format("%.0e", r.learningRate()) : "-", r.params(), r.stateBytes(),
                    r.stepMicrosB1(), r.stepMicrosB256(), r.trainSeconds(),
                    quantiles ? String.format(" %9.4f %9.3f", r.pinball(), r.coverage()) : "");
        }
        out.println("champion (lowest validation mse, baselines included): " + result.champion().arch());
    }

    /** The registry client for {@code --publish}, or null. */
    static RegistryClient registry(Options o) {
        String url = o.get("--publish");
        if (url.isBlank()) {
            if (!o.get("--alias").isBlank()) {
                throw new IllegalArgumentException("--alias needs --publish <registry URL>");
            }
            return null;
        }
        RegistryClient.Builder builder = RegistryClient.builder(url);
        token(o, System::getenv).ifPresent(builder::token);
        return builder.build();
    }

    /**
     * The registry token: from {@code --token-file} (its first line that is not blank and does not
     * start with #), else from {@code --token}, which {@code ps} shows to every user of the machine,
     * else from {@code $STREAMCAST_REGISTRY_TOKEN}.
     */
    static Optional<String> token(Options o, UnaryOperator<String> environment) {
        String file = o.get("--token-file");
        if (!file.isBlank() && !o.get("--token").isBlank()) {
            throw new IllegalArgumentException("--token and --token-file: give one of them, not both");
        }
        if (!file.isBlank()) {
            return Optional.of(readToken(file));
        }
        String token = o.get("--token").isBlank() ? environment.apply(RegistryClient.TOKEN_ENV) : o.get("--token");
        return token == null || token.isBlank() ? Optional.empty() : Optional.of(token.strip());
    }

    /** The first line of {@code file} that is not blank and does not start with # (the registry's write-token file). */
    public static String readToken(String file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of(file), StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("--token-file " + file + ": no such file");
        } catch (IOException e) {
            throw new IllegalArgumentException("--token-file " + file + ": cannot be read: " + e.getMessage());
        }
        return lines.stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("--token-file " + file + ": holds no token"));
    }

    private static String creator() {
        return "streamcast-trainer@" + System.getProperty("user.name", "unknown");
    }

    static String defaultName(String data, String mode, int horizon) {
        String file = data.startsWith("kafka:") ? data.substring("kafka:".length())
                : Path.of(data).getFileName().toString().replaceAll("\\.[A-Za-z]+$", "");
        return (file + "-" + mode.strip().toUpperCase(java.util.Locale.ROOT) + "-h" + horizon).replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
