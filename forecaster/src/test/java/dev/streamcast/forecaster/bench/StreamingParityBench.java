package dev.streamcast.forecaster.bench;

import dev.streamcast.contracts.cli.Options;
import dev.streamcast.contracts.records.SensorReading;
import dev.streamcast.forecaster.parity.StreamingParity;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.testkit.KafkaFixture;
import dev.streamcast.trainer.arch.Architectures;
import dev.streamcast.trainer.arch.QuantileHead;
import dev.streamcast.trainer.arch.TrainOptions;
import dev.streamcast.trainer.arch.TrainedModel;
import dev.streamcast.trainer.arch.TrainingProgress;
import dev.streamcast.trainer.bundle.BundleWriter;
import dev.streamcast.trainer.data.CsvSeries;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.data.Mode;
import dev.streamcast.trainer.data.SeriesTable;
import dev.streamcast.trainer.training.DjlSetup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./streamcast bench streaming-parity --data <csv> [--rows 600] [--arch gru,dlinear] [--mode M]}:
 * trains each architecture briefly on the CSV's training split (columns named as ingest names
 * them, {@code <column>.mean}), then replays {@code --rows} rows of the test split as sensor
 * readings through ingest (one-hour windows) and the forecaster on a local broker, and compares
 * every forecast with the bundle's sequence graph run offline over the same feature vectors.
 * One line per architecture; the last line is {@code streaming_vs_offline_max_diff=<x>}.
 */
public final class StreamingParityBench {

    private StreamingParityBench() {
    }

    public static void main(String[] args) throws Exception {
        DjlSetup.configure();
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("--data", "");
        defaults.put("--rows", "600");
        defaults.put("--arch", "gru,dlinear,tcn");
        defaults.put("--mode", "M");
        defaults.put("--lookback", "96");
        defaults.put("--horizon", "24");
        defaults.put("--epochs", "1");
        defaults.put("--max-train-windows", "512");
        Options o = Options.parse(args, defaults, "bench streaming-parity");
        if (o.get("--data").isBlank()) {
            System.err.println("streamcast bench streaming-parity: --data <csv> is required");
            System.exit(2);
        }
        SeriesTable csv = CsvSeries.read(Path.of(o.get("--data")));
        List<String> channels = csv.columns();
        SeriesTable named = new SeriesTable(csv.source(), csv.timestamps(), channels.stream().map(c -> c + ".mean").toList(),
                csv.values());
        Mode mode = Mode.valueOf(o.get("--mode").toUpperCase(java.util.Locale.ROOT));
        Dataset data = Dataset.of(named, mode, channels.get(channels.size() - 1) + ".mean", (int) o.getLong("--lookback", 2, 10_000),
                (int) o.getLong("--horizon", 1, 10_000));
        int rows = (int) o.getLong("--rows", 500, 100_000);
        int from = data.splits().testStart();
        if (from + rows > csv.rows()) {
            throw new IllegalArgumentException("--rows " + rows + ": the test split holds only " + (csv.rows() - from) + " rows");
        }
        List<SensorReading> replay = new ArrayList<>();
        for (int r = from; r < from + rows; r++) {
            Map<String, Double> values = new LinkedHashMap<>();
            for (int c = 0; c < channels.size(); c++) {
                values.put(channels.get(c), csv.values()[r][c]);
            }
            replay.add(new SensorReading(csv.timestamps()[r] + 1_000, values));
        }
        long step = csv.stepMillis();
        Path work = Files.createTempDirectory("streaming-parity");
        double max = 0;
        try (KafkaFixture broker = KafkaFixture.start()) { // a real broker in this JVM, as in the tests
            broker.createTopics(Topics.ALL);
            for (String arch : o.get("--arch").split(",")) {
                Path bundles = work.resolve("bundles-" + arch);
                TrainOptions options = TrainOptions.defaults().withEpochs((int) o.getLong("--epochs", 1, 1000))
                        .withMaxTrainWindows((int) o.getLong("--max-train-windows", 0, 1_000_000));
                try (TrainedModel model = QuantileHead.fit(Architectures.byName(arch.strip()), data, options, TrainingProgress.SILENT)) {
                    BundleWriter.write(bundles.resolve("etth1").resolve("1"), "etth1", model, data, Map.of());
                }
                Files.writeString(bundles.resolve("etth1").resolve("aliases.properties"), "champion=1\n");
                long start = System.nanoTime();
                StreamingParity.Result result = StreamingParity.run(broker.bootstrapServers(), work.resolve("state-" + arch), bundles,
                        "etth1", new StreamingParity.Replay(Map.of("etth1-" + arch, replay), step), channels, Duration.ofMinutes(5));
                System.out.printf("arch=%s rows=%d vectors=%d forecasts=%d max_abs_diff=%.2e seconds=%.1f%n", arch.strip(), rows,
                        result.vectors(), result.forecasts(), result.maxAbsDiff(), (System.nanoTime() - start) / 1e9);
                max = Math.max(max, result.maxAbsDiff());
            }
        }
        System.out.printf("streaming_vs_offline_max_diff=%.2e%n", max);
        System.exit(0);
    }
}
