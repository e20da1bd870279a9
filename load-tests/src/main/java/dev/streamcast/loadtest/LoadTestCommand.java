package dev.streamcast.loadtest;

import dev.streamcast.contracts.cli.Options;
import dev.streamcast.contracts.json.Encoding;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./streamcast load-test [--scenario steady] [--search] ...}: runs a scenario against
 * the pipeline and the pass-through baseline on one local broker, writes {@code result.json}
 * and {@code report.html}, and ends with {@code throughput=<rec/s> p99_ms=<x> vs_passthrough=<ratio>}
 * (the ratio of the highest rates, so {@code NaN} without {@code --search}).
 * Every option is documented in load-tests/README.md.
 */
public final class LoadTestCommand {

    static final Map<String, String> OPTIONS = new LinkedHashMap<>();

    static {
        OPTIONS.put("--scenario", "steady");
        OPTIONS.put("--entities", "");
        OPTIONS.put("--channels", "4");
        OPTIONS.put("--text-share", "0.05");
        OPTIONS.put("--rate", "");
        OPTIONS.put("--warmup-s", "");
        OPTIONS.put("--duration-s", "60");
        OPTIONS.put("--search", "false");
        OPTIONS.put("--search-start-rate", "1000");
        OPTIONS.put("--search-max-rate", "500000");
        OPTIONS.put("--search-precision", "0.15");
        OPTIONS.put("--search-warmup-s", "");
        OPTIONS.put("--search-duration-s", "");
        OPTIONS.put("--p99-target-ms", "100");
        OPTIONS.put("--drain-timeout-s", "");
        OPTIONS.put("--baseline", "true");
        OPTIONS.put("--window", "PT1M");
        OPTIONS.put("--grace", "PT45S");
        OPTIONS.put("--burst-factor", "10");
        OPTIONS.put("--burst-s", "10");
        OPTIONS.put("--lstm-hidden", "64");
        OPTIONS.put("--encoding", "json");
        OPTIONS.put("--ingest-store", "");
        OPTIONS.put("--forecaster-store", "rocksdb");
        OPTIONS.put("--service-heap", "");
        OPTIONS.put("--batch-size", "256");
        OPTIONS.put("--batch-wait", "PT0.05S");
        OPTIONS.put("--profile", "none");
        OPTIONS.put("--partitions", "");
        OPTIONS.put("--standby-replicas", "");
        OPTIONS.put("--commit-interval-ms", "");
        OPTIONS.put("--stream-threads", "");
        OPTIONS.put("--linger-ms", "");
        OPTIONS.put("--max-task-idle-ms", "");
        OPTIONS.put("--out", "");
    }

    private LoadTestCommand() {
    }

    public static void main(String[] args) throws Exception {
        LoadTest.Config config;
        Path out;
        try {
            Options options = Options.parse(flags(args), OPTIONS, "load-test");
            config = config(options);
            out = options.get("--out").isBlank()
                    ? Path.of(".streamcast", "load-tests", config.scenario().label() + "-"
                    + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").format(LocalDateTime.now()))
                    : Path.of(options.get("--out"));
            config = withDataDir(config, out.resolve("system"));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        // Ctrl-C, a kill or a crash of the harness must not leave the services it started running
        Runtime.getRuntime().addShutdownHook(new Thread(LoadTestCommand::stopChildren, "load-test-children"));
        int status = run(config, out, System.out);
        System.exit(status);
    }

    /**
     * SIGTERM to every process the harness started, then SIGKILL to those still there after 15 s:
     * once the harness is gone so is the broker it hosted, and a service waiting on that broker to
     * close cleanly would otherwise hang on, using CPU and its state directory.
     */
    static void stopChildren() {
        List<ProcessHandle> children = ProcessHandle.current().descendants().toList();
        children.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        for (ProcessHandle child : children) {
            try {
                child.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                child.destroyForcibly();
            }
        }
    }

    /** Runs and reports; 0 when every check passed, 1 otherwise. */
    public static int run(LoadTest.Config config, Path out, PrintStream console) throws Exception {
        LoadTest.Result result = new LoadTest(config, console).run();
        Path report = Report.write(result, out);
        console.println("load-test: checks:");
        result.checks().forEach(c -> console.println("load-test:   " + c));
        Path logs = config.system().dataDir().resolve("logs");
        if (!config.system().profiling().isEmpty() && Files.isDirectory(logs)) {
            try (var recordings = Files.list(logs)) {
                for (Path jfr : recordings.filter(p -> p.toString().endsWith(".jfr")).sorted().toList()) {
                    console.printf("load-test: profile %s: %s%n", jfr.getFileName(), ProfileSummary.line(ProfileSummary.of(jfr)));
                }
            }
        }
        console.printf("load-test: results %s, report %s%n", out.resolve("result.json"), report);
        console.println(lastLine(result));
        return result.passed() ? 0 : 1;
    }

    static String lastLine(LoadTest.Result result) {
        Map<String, Object> s = result.summary();
        if (s.containsKey("instances_max")) { // the scale-out scenario's verdict
            return ScaleOutCheck.Result.lastLine(s);
        }
        return String.format("throughput=%.0f p99_ms=%s vs_passthrough=%s", ((Number) s.get("throughput")).doubleValue(),
                figure(s.get("p99_ms"), "%.1f"), figure(s.get("vs_passthrough"), "%.3f"));
    }

    private static String figure(Object value, String format) {
        if (!(value instanceof Number n) || Double.isNaN(n.doubleValue())) {
            return "NaN";
        }
        return String.format(format, n.doubleValue());
    }

    /** {@code --search} on its own means {@code --search true}. */
    static String[] flags(String[] args) {
        List<String> list = new ArrayList<>(Arrays.asList(args));
        for (int i = 0; i < list.size(); i++) {
            if ((list.get(i).equals("--search") || list.get(i).equals("--baseline"))
                    && (i + 1 == list.size() || list.get(i + 1).startsWith("--"))) {
                list.add(i + 1, "true");
            }
        }
        return list.toArray(String[]::new);
    }

    static LoadTest.Config config(Options o) {
        Scenario scenario = Scenario.of(o.get("--scenario"));
        int entities = o.get("--entities").isBlank() ? scenario.defaultEntities() : (int) o.getLong("--entities", 1, 10_000_000);
        double rate = o.get("--rate").isBlank() ? scenario.defaultRate() : o.getDouble("--rate", 1, 10_000_000);
        int channels = (int) o.getLong("--channels", 1, 64);
        double textShare = o.getDouble("--text-share", 0, 0.9);
        Duration window = duration(o, "--window");
        Duration grace = duration(o, "--grace");
        double records = entities / (1 - textShare);
        // at least three rounds of warm-up (every entity has state, the first windows have closed) and 20 s (the JIT)
        double warmup = o.get("--warmup-s").isBlank() ? Math.max(20, Math.ceil(3 * records / rate)) : o.getDouble("--warmup-s", 0, 86_400);
        double duration = o.getDouble("--duration-s", 1, 86_400);
        boolean search = Boolean.parseBoolean(o.get("--search"));
        double searchStart = o.getDouble("--search-start-rate", 1, 10_000_000);
        // blank: two rounds at each trial's rate, at least 10 s (LoadTest)
        double searchWarmup = o.get("--search-warmup-s").isBlank() ? Double.NaN : o.getDouble("--search-warmup-s", 0, 86_400);
        double searchDuration = o.get("--search-duration-s").isBlank() ? 30 : o.getDouble("--search-duration-s", 1, 86_400);
        // blank: one round at each trial's rate, at least 10 s (LoadTest)
        double drainTimeout = o.get("--drain-timeout-s").isBlank() ? Double.NaN : o.getDouble("--drain-timeout-s", 1, 3600);
        boolean large = entities >= 500_000;
        // from 10^5 entities ingest's windows live in RocksDB, off the heap (ingest/README.md, "State at scale")
        String ingestStore = o.get("--ingest-store").isBlank() ? (entities >= 100_000 ? "rocksdb" : "in-memory") : o.get("--ingest-store");
        if (!List.of("in-memory", "rocksdb").contains(ingestStore) || !List.of("in-memory", "rocksdb").contains(o.get("--forecaster-store"))) {
            throw new IllegalArgumentException("streamcast load-test: stores are in-memory or rocksdb");
        }
        String heap = o.get("--service-heap").isBlank() ? (large ? "3g" : "1g") : o.get("--service-heap");
        if (!heap.matches("[0-9]+[mgMG]")) {
            throw new IllegalArgumentException("streamcast load-test: --service-heap is a JVM size such as 1g or 768m, got " + heap);
        }
        List<String> profiling = o.get("--profile").equals("none") ? List.of() : List.of(o.get("--profile").split(","));
        for (String p : profiling) {
            if (!List.of("ingest", "forecaster", "passthrough").contains(p)) {
                throw new IllegalArgumentException("streamcast load-test: --profile takes none or a list of ingest, forecaster,"
                        + " passthrough, got " + p);
            }
        }
        Map<String, String> streams = new LinkedHashMap<>();
        if (!o.get("--commit-interval-ms").isBlank()) {
            streams.put("commit.interval.ms", String.valueOf(o.getLong("--commit-interval-ms", 1, 600_000)));
        }
        if (!o.get("--stream-threads").isBlank()) {
            streams.put("num.stream.threads", String.valueOf(o.getLong("--stream-threads", 1, 64)));
        }
        if (!o.get("--linger-ms").isBlank()) {
            streams.put("producer.linger.ms", String.valueOf(o.getLong("--linger-ms", 0, 60_000)));
        }
        if (!o.get("--standby-replicas").isBlank()) {
            streams.put("num.standby.replicas", String.valueOf(o.getLong("--standby-replicas", 0, 10)));
        }
        if (!o.get("--max-task-idle-ms").isBlank()) {
            streams.put("max.task.idle.ms", String.valueOf(o.getLong("--max-task-idle-ms", 0, 600_000)));
        }
        SystemUnderTest.Settings system = new SystemUnderTest.Settings(null, entities, channels, window, grace,
                (int) o.getLong("--lstm-hidden", 1, 1024), ingestStore, o.get("--forecaster-store"), heap,
                (int) o.getLong("--batch-size", 1, 65_536), duration(o, "--batch-wait"), profiling, streams,
                Encoding.parse("--encoding", o.get("--encoding")),
                o.get("--partitions").isBlank() ? scenario.defaultPartitions() : (int) o.getLong("--partitions", 4, 127));
        return new LoadTest.Config(scenario, entities, channels, textShare, rate, warmup, duration, search, searchStart,
                o.getDouble("--search-max-rate", 1, 100_000_000), o.getDouble("--search-precision", 0.01, 1), searchWarmup,
                searchDuration, o.getDouble("--p99-target-ms", 0.1, 3_600_000), drainTimeout,
                Boolean.parseBoolean(o.get("--baseline")), window, grace, o.getDouble("--burst-factor", 1, 1000),
                o.getDouble("--burst-s", 1, 3600), system);
    }

    static LoadTest.Config withDataDir(LoadTest.Config c, Path dataDir) {
        SystemUnderTest.Settings s = c.system();
        return new LoadTest.Config(c.scenario(), c.entities(), c.channels(), c.textShare(), c.rate(), c.warmupS(), c.durationS(),
                c.search(), c.searchStart(), c.searchMax(), c.searchPrecision(), c.searchWarmupS(), c.searchDurationS(),
                c.p99TargetMs(), c.drainTimeoutS(), c.baseline(), c.window(), c.grace(), c.burstFactor(), c.burstS(),
                new SystemUnderTest.Settings(dataDir, s.entities(), s.channels(), s.window(), s.grace(), s.lstmHidden(),
                        s.ingestStore(), s.forecasterStore(), s.serviceHeap(), s.batchSize(), s.batchWait(), s.profiling(),
                        s.streams(), s.encoding(), s.partitions()));
    }

    private static Duration duration(Options o, String name) {
        try {
            Duration d = Duration.parse(o.get(name));
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("streamcast load-test: " + name + " must be positive, got " + o.get(name));
            }
            return d;
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("streamcast load-test: " + name + " is an ISO-8601 duration such as PT1M, got "
                    + o.get(name));
        }
    }
}
