package dev.streamcast.local.bench;

import dev.streamcast.contracts.cli.Options;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.local.broker.LocalBroker;
import dev.streamcast.local.broker.Ports;
import dev.streamcast.local.broker.TopicProvisioner;
import dev.streamcast.local.demo.DemoGenerator;
import dev.streamcast.local.process.Service;
import dev.streamcast.local.process.ServiceProcess;
import dev.streamcast.local.quickstart.Quickstart;
import dev.streamcast.trainer.arch.TrainingProgress;
import dev.streamcast.trainer.cli.TrainCommand;
import dev.streamcast.trainer.eval.Comparison;
import dev.streamcast.trainer.training.DjlSetup;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./streamcast bench covariates}: what the text stream is worth to a forecast. The demo's plant (its cooling
 * faults reported as text a minute before the oil heats) streams hours of history through a local broker and the
 * real ingest; the trainer then fits the same architecture on the features topic twice per seed, on the oil
 * temperature alone (mode S) and on it with the text features (mode MS, {@code --inputs oil_c.mean,text.*}), and
 * compares the test errors. Last line:
 * {@code covariates arch=<a> seeds=<n> mse_without=<x> mse_with=<y> gain=<1 - y/x>}.
 */
public final class CovariateBench {

    static final Map<String, String> OPTIONS = DemoGenerator.optionDefaults(new LinkedHashMap<>(Map.ofEntries(
            Map.entry("--hours", "8"),
            Map.entry("--faults-per-hour", "3"),
            Map.entry("--arch", "gru"),
            Map.entry("--seeds", "3"),
            Map.entry("--text-inputs", "text.count,text.kw.*"),
            Map.entry("--train-options", "--lookback 24 --horizon 12 --epochs 10 --hidden 32 --layers 1 --learning-rates default"),
            Map.entry("--work-dir", ".streamcast/bench-covariates"))));

    /** One architecture's test errors, without and with the text, per seed. */
    public record Result(String arch, List<Double> without, List<Double> with) {

        public double meanWithout() {
            return without.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        }

        public double meanWith() {
            return with.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        }

        /** 1 - with / without: the share of the error the text takes away. */
        public double gain() {
            return 1 - meanWith() / meanWithout();
        }

        public String line() {
            return String.format(Locale.ROOT, "covariates arch=%s seeds=%d mse_without=%.4f mse_with=%.4f gain=%.3f", arch,
                    without.size(), meanWithout(), meanWith(), gain());
        }
    }

    private CovariateBench() {
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args, OPTIONS, "bench covariates");
        } catch (IllegalArgumentException e) {
            System.err.println("streamcast bench covariates: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(run(o, System.out));
    }

    static int run(Options o, PrintStream out) throws Exception {
        DjlSetup.configure();
        long started = System.nanoTime();
        int hours = (int) o.getLong("--hours", 1, 24 * 30);
        int seeds = (int) o.getLong("--seeds", 1, 20);
        DemoGenerator.Settings demo = DemoGenerator.settingsFrom(o);
        demo = new DemoGenerator.Settings(demo.entities(), demo.interval(), demo.speed(), Duration.ofHours(hours), demo.seed(),
                demo.anomalyProbability(), demo.noteProbability(), demo.faultsPerHour());
        if (!Service.INGEST.built()) {
            System.err.println("streamcast bench covariates: ingest is not built (" + Service.INGEST.application()
                    + " missing); run mvn -B -DskipTests package");
            return 2;
        }
        Path work = Path.of(o.get("--work-dir")).toAbsolutePath();
        Quickstart.deleteRecursively(work);
        Files.createDirectories(work);
        try (LocalBroker broker = LocalBroker.start(new LocalBroker.Settings(work.resolve("broker"), "127.0.0.1",
                Ports.pickFree("127.0.0.1"), Ports.pickFree("127.0.0.1")))) {
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                TopicProvisioner.ensure(admin, Topics.ALL, (short) 1);
            }
            long vectors = stream(broker.bootstrapServers(), demo, work, out);
            out.printf("bench covariates: %d feature vectors of %d entities (%d h of the demo plant, %.1f faults per entity"
                    + " per hour)%n", vectors, demo.entities(), hours, demo.faultsPerHour());
            List<Result> results = new ArrayList<>();
            for (String arch : o.get("--arch").split(",")) {
                results.add(compare(broker.bootstrapServers(), arch.strip(), seeds, o, work, out));
            }
            out.println();
            out.printf("%-10s %-36s %12s %12s%n", "arch", "inputs", "test mse", "seeds");
            for (Result r : results) {
                out.printf("%-10s %-36s %12.4f %12s%n", r.arch(), "oil_c.mean", r.meanWithout(), spread(r.without()));
                out.printf("%-10s %-36s %12.4f %12s%n", r.arch(), "oil_c.mean," + o.get("--text-inputs"), r.meanWith(),
                        spread(r.with()));
            }
            out.printf("bench covariates: %.0f s%n", (System.nanoTime() - started) / 1e9);
            for (Result r : results) {
                out.println(r.line());
            }
            return 0;
        }
    }

    /** The demo's history through ingest: returns the feature vectors on the topic once ingest has closed them all. */
    static long stream(String bootstrap, DemoGenerator.Settings demo, Path work, PrintStream out) throws Exception {
        try (ServiceProcess ingest = ServiceProcess.start(Service.INGEST, Ports.pickFree("127.0.0.1"), List.of(
                "kafka.bootstrap.servers=" + bootstrap, "ingest.window.size=PT10S", "ingest.window.grace=PT2S",
                "streamcast.state-dir=" + work.resolve("ingest-state")), work.resolve("ingest.log"))) {
            DemoGenerator generator = new DemoGenerator(bootstrap, demo);
            Thread thread = new Thread(generator, "demo-generator");
            thread.start();
            long vectors;
            try {
                if (!generator.awaitLive(Duration.ofMinutes(30))) {
                    throw generator.error() != null ? generator.error()
                            : new IllegalStateException("the demo's backfill was not sent within 30 minutes");
                }
                out.printf("bench covariates: backfill sent (%d readings, %d texts); waiting for ingest%n",
                        generator.sensorAcked(), generator.textAcked());
                // live readings move stream time past the backfill's last window and its grace: every window of the
                // backfill closes (its first may be partial, so one fewer per entity is enough)
                long windows = demo.entities() * (demo.backfill().toSeconds() / 10 - 1);
                vectors = awaitVectors(bootstrap, windows, Duration.ofMinutes(30));
            } finally {
                generator.stop(Duration.ofSeconds(30));
            }
            if (!ingest.isAlive()) {
                throw new IllegalStateException("ingest exited; see " + ingest.log());
            }
            return vectors;
        }
    }

    /** Reads the features topic until it holds {@code expected} vectors; returns how many it read. */
    static long awaitVectors(String bootstrap, long expected, Duration timeout) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.FEATURES.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long read = 0;
            long deadline = System.nanoTime() + timeout.toNanos();
            while (read < expected) {
                if (System.nanoTime() >= deadline) {
                    throw new IllegalStateException("ingest wrote " + read + " of " + expected + " feature vectors within " + timeout);
                }
                read += consumer.poll(Duration.ofSeconds(1)).count();
            }
            return read;
        }
    }

    /** {@code arch} on the oil temperature alone and with the text, once per seed, on the same features. */
    static Result compare(String bootstrap, String arch, int seeds, Options o, Path work, PrintStream out) throws Exception {
        List<Double> without = new ArrayList<>();
        List<Double> with = new ArrayList<>();
        for (int seed = 1; seed <= seeds; seed++) {
            without.add(train(bootstrap, arch, seed, "S", "", o, work, out));
            with.add(train(bootstrap, arch, seed, "MS", "oil_c.mean," + o.get("--text-inputs"), o, work, out));
        }
        return new Result(arch, List.copyOf(without), List.copyOf(with));
    }

    private static double train(String bootstrap, String arch, int seed, String mode, String inputs, Options o, Path work,
                                PrintStream out) throws Exception {
        List<String> args = new ArrayList<>(List.of("--data", "kafka:" + Topics.FEATURES.name(), "--bootstrap-servers", bootstrap,
                "--mode", mode, "--target", "oil_c.mean", "--arch", arch, "--seed", String.valueOf(seed),
                "--name", "covariates-" + mode.toLowerCase(Locale.ROOT) + "-" + seed, "--out", work.resolve("models").toString()));
        if (!inputs.isBlank()) {
            args.addAll(List.of("--inputs", inputs));
        }
        for (String a : o.get("--train-options").strip().split("\\s+")) {
            if (!a.isEmpty()) {
                args.add(a);
            }
        }
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream quiet = new PrintStream(log, true, StandardCharsets.UTF_8);
        TrainCommand.Result result = TrainCommand.train(Options.parse(args.toArray(String[]::new), TrainCommand.OPTIONS,
                "bench covariates --train-options"), quiet, TrainingProgress.SILENT);
        Files.write(work.resolve("train-" + arch + "-" + mode + "-" + seed + ".log"), log.toByteArray());
        Comparison.Row row = result.rows().get(0);
        out.printf("bench covariates: %s seed %d, %s on %s: test mse %.4f (validation %.4f, %.0f s)%n", arch, seed,
                mode, result.data().inputs(), row.mse(), row.valMse(), row.trainSeconds());
        return row.mse();
    }

    static String spread(List<Double> values) {
        double min = values.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        double max = values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        return String.format(Locale.ROOT, "%.4f..%.4f", min, max);
    }
}
