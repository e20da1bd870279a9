package dev.streamcast.loadtest.bench;

import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.Manifests;
import dev.streamcast.contracts.cli.Options;
import dev.streamcast.contracts.json.Codec;
import dev.streamcast.contracts.json.Encoding;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.topics.TopicSpec;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.contracts.state.UnreadableStateException;
import dev.streamcast.forecaster.serving.ForecastTopology;
import dev.streamcast.forecaster.state.EntityState;
import dev.streamcast.forecaster.state.EntityStateFormat;
import dev.streamcast.loadtest.LoadGenerator;
import dev.streamcast.loadtest.LstmTraining;
import dev.streamcast.loadtest.ProfileSummary;
import dev.streamcast.loadtest.SystemUnderTest;
import dev.streamcast.local.broker.LocalBroker;
import dev.streamcast.local.broker.Ports;
import dev.streamcast.local.broker.TopicProvisioner;
import dev.streamcast.local.process.Service;
import dev.streamcast.local.quickstart.Quickstart;
import dev.streamcast.local.process.ServiceProcess;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./streamcast bench forecaster}: the forecaster's CPU seconds per forecast against a
 * ceiling app's, side by side on one local broker.
 *
 * <p>The forecaster runs as deployed (its {@code quarkus-run.jar}, production settings: exactly_once_v2,
 * RocksDB state, one stream thread) with an LSTM trained for the run; the ceiling is
 * {@link CeilingApp}, the same input, store and output bytes without a model or forecasting logic,
 * with the forecaster's Kafka Streams settings. Each runs as its own JVM and is measured alike:
 * once it is ready and idle, every entity's warm-up (the model's look-back in vectors) and
 * {@code --settle-steps} forecasting steps are produced and consumed, then {@code --steps} more
 * vectors per entity, all produced at once so the app reads a backlog; the CPU of that second phase
 * (the child's process CPU time, every thread, native ones included) is what counts, so start-up,
 * first-seen entities and the JIT's compiling of the forecasting path (which the warm-up alone does
 * not reach: it forecasts once) do not, and are reported apart. The ceiling's state and output sizes are the forecaster's, measured in the
 * forecaster's run before: its output's mean size, and its state's at each step (its changelog), so both apps' stores flush and
 * compact at the same steps. Rounds alternate the two and their order (the forecaster first in odd rounds, the ceiling
 * in even ones), so neither drift on a shared machine nor the bench's own broker still compiling its hot paths
 * through the first app it serves favours one of them: run an even number of rounds.
 *
 * <p>Last line: {@code forecasts_per_cpu_s=<x> ceiling_per_cpu_s=<y> vs_ceiling=<x/y>}.
 */
public final class ForecasterBench {

    static final String MODEL = "bench";
    static final TopicSpec CEILING_OUT = new TopicSpec("bench-ceiling-out", Topics.FORECASTS.partitions(), false,
            "the ceiling app's output");
    private static final Duration STEP = Duration.ofMinutes(1);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Pattern GAUGE = Pattern.compile("^(forecaster_[a-z_]+)\\{[^}]*slot=\"served\"[^}]*} ([0-9.E+-]+)$",
            Pattern.MULTILINE);

    /**
     * One measured run of an app: its CPU and output in each phase, its state per entity (the forecaster's
     * from its gauges), and the state bytes it wrote per entity at each step, the first step first.
     */
    record Run(String name, double startCpu, double warmUpCpu, long warmUpOutputs, double cpu, long outputs, double wall,
               double outputBytes, double stateBytesPerEntity, int[] stateBytesByStep) {

        double perCpuSecond() {
            return outputs / cpu;
        }

        /** This run with its state's sizes, measured once its CPU and output are. */
        Run withState(double perEntity, int[] byStep) {
            return new Run(name, startCpu, warmUpCpu, warmUpOutputs, cpu, outputs, wall, outputBytes, perEntity, byStep);
        }
    }

    /** What a run needs: the bench's settings and where it writes. */
    record Setup(Path dataDir, Path logs, String bootstrap, FeatureSpec spec, Encoding encoding, int entities, int warmUp, int settle,
                 int steps,
                 List<String> forecasterProperties, Map<String, String> streams, String heap, boolean profile, PrintStream out) {
    }

    private ForecasterBench() {
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args, Map.ofEntries(
                Map.entry("--entities", "100000"),
                Map.entry("--steps", "4"),
                Map.entry("--settle-steps", "4"),
                Map.entry("--lookback", "8"),
                Map.entry("--hidden", "64"),
                Map.entry("--channels", "8"),
                Map.entry("--rounds", "1"),
                Map.entry("--heap", "1g"),
                Map.entry("--encoding", "json"),
                Map.entry("--set", ""),
                Map.entry("--streams", ""),
                Map.entry("--profile", "false"),
                Map.entry("--data-dir", "")), "bench forecaster");
        boolean temporary = options.get("--data-dir").isBlank();
        Path dataDir = temporary ? Files.createTempDirectory("streamcast-bench-forecaster")
                : Files.createDirectories(Path.of(options.get("--data-dir")));
        Encoding encoding = Encoding.parse("--encoding", options.get("--encoding"));
        List<String> set = new ArrayList<>();
        if (!options.get("--set").isBlank()) {
            Arrays.stream(options.get("--set").split(",")).map(String::strip).forEach(set::add);
        }
        Map<String, String> streams = new LinkedHashMap<>();
        if (!options.get("--streams").isBlank()) {
            for (String entry : options.get("--streams").split(",")) {
                int eq = entry.indexOf('=');
                if (eq < 1) {
                    throw new IllegalArgumentException("--streams takes name=value pairs separated by commas, got '" + entry + "'");
                }
                streams.put(entry.substring(0, eq).strip(), entry.substring(eq + 1).strip());
            }
        }
        Result result;
        try {
            result = run(SystemUnderTest.Build.locate().root(), dataDir, (int) options.getLong("--entities", 1, 10_000_000),
                    (int) options.getLong("--steps", 1, 10_000), (int) options.getLong("--settle-steps", 0, 1_000),
                    (int) options.getLong("--lookback", 1, 512),
                    (int) options.getLong("--hidden", 1, 4096), (int) options.getLong("--channels", 1, 1024),
                    (int) options.getLong("--rounds", 1, 100), options.get("--heap"), encoding, set, streams,
                    Boolean.parseBoolean(options.get("--profile")), System.out);
        } finally {
            if (temporary) { // gigabytes of broker log and state at 10^5 entities; the logs (and a profile) stay
                Quickstart.deleteRecursively(dataDir.resolve("broker"));
                Quickstart.deleteRecursively(dataDir.resolve("state"));
            }
        }
        System.out.println(result.lastLine());
    }

    /** The bench's figures: the mean of each app's rounds. */
    record Result(List<Run> forecaster, List<Run> ceiling, double modelStateBytes, double warmUpInputBytes) {

        double forecastsPerCpuSecond() {
            return forecaster.stream().mapToDouble(Run::perCpuSecond).average().orElseThrow();
        }

        double ceilingPerCpuSecond() {
            return ceiling.stream().mapToDouble(Run::perCpuSecond).average().orElseThrow();
        }

        double stateBytesPerEntity() {
            return forecaster.stream().mapToDouble(Run::stateBytesPerEntity).average().orElseThrow();
        }

        String lastLine() {
            return String.format("forecasts_per_cpu_s=%.0f ceiling_per_cpu_s=%.0f vs_ceiling=%.3f", forecastsPerCpuSecond(),
                    ceilingPerCpuSecond(), forecastsPerCpuSecond() / ceilingPerCpuSecond());
        }
    }

    static Result run(Path root, Path dataDir, int entities, int steps, int settle, int lookback, int hidden, int channels, int rounds,
                      String heap, Encoding encoding, List<String> forecasterProperties, Map<String, String> streams,
                      boolean profile, PrintStream out)
            throws Exception {
        LocalBroker.Settings brokerSettings = new LocalBroker.Settings(dataDir.resolve("broker"), "127.0.0.1",
                Ports.pickFree("127.0.0.1"), Ports.pickFree("127.0.0.1"));
        try (LocalBroker broker = LocalBroker.start(brokerSettings);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            out.printf("bench forecaster: broker on %s; data in %s%n", broker.bootstrapServers(), dataDir);
            List<TopicSpec> topics = new ArrayList<>(Topics.ALL);
            topics.add(CEILING_OUT);
            TopicProvisioner.ensure(admin, topics, (short) 1);
            Path models = dataDir.resolve("models");
            LstmTraining lstm = new LstmTraining(hidden, lookback, 12, STEP);
            double trained = lstm.train(root, dataDir.resolve("training"), models, MODEL, 1, 42,
                    dataDir.resolve("logs").resolve("train.log"));
            BundleManifest manifest = Manifests.read(models.resolve(MODEL).resolve("1"));
            out.printf("bench forecaster: trained %s (LSTM %d, look-back %d, warm-up %d steps) in %.1f s%n", MODEL, hidden,
                    lookback, manifest.warmUpSteps(), trained);
            FeatureSpec spec = spec(channels);
            try (KafkaProducer<byte[], byte[]> producer = producer(broker.bootstrapServers())) {
                producer.send(new ProducerRecord<>(Topics.FEATURE_SPECS.name(), spec.id().getBytes(StandardCharsets.UTF_8),
                        Codecs.FEATURE_SPEC.encode(spec))).get();
            }
            List<String> properties = new ArrayList<>(List.of("forecaster.model.dir=" + models.toAbsolutePath(),
                    "forecaster.model.name=" + MODEL, Encoding.setting(Topics.FEATURES.name()) + "=" + encoding.label(),
                    Encoding.setting(Topics.FORECASTS.name()) + "=" + encoding.label()));
            properties.addAll(forecasterProperties);
            Setup setup = new Setup(dataDir, dataDir.resolve("logs"), broker.bootstrapServers(), spec, encoding, entities,
                    manifest.warmUpSteps(), settle, steps, properties, streams, heap, profile, out);
            out.printf("bench forecaster: %d entities, %d features per vector in %s, %d warm-up + %d settling + %d measured steps"
                    + " each, %d round(s)%n", entities, spec.size(), encoding.label(), manifest.warmUpSteps(), settle, steps, rounds);
            List<Run> forecaster = new ArrayList<>();
            List<Run> ceiling = new ArrayList<>();
            Run last = null;
            for (int round = 1; round <= rounds; round++) {
                boolean ceilingFirst = round % 2 == 0; // A B, B A, A B, ...: neither app is always the first one measured
                if (ceilingFirst) {
                    ceiling.add(ceiling(setup, admin, round, last));
                }
                last = forecaster(setup, admin, round);
                forecaster.add(last);
                if (!ceilingFirst) {
                    ceiling.add(ceiling(setup, admin, round, last));
                }
            }
            double modelState = manifest.stateBytesPerEntity();
            double warmUpInputs = (double) manifest.warmUpSteps() * manifest.featureSpec().names().size() * Float.BYTES;
            Result result = new Result(forecaster, ceiling, modelState, warmUpInputs);
            out.printf("state_bytes_per_entity=%.0f model_state_bytes=%.0f warm_up_input_bytes=%.0f vs_model_and_inputs=%.2f%n",
                    result.stateBytesPerEntity(), modelState, warmUpInputs, result.stateBytesPerEntity() / (modelState + warmUpInputs));
            return result;
        }
    }

    /** The vectors' spec: what ingest makes of {@code channels} channels with its default aggregates. */
    static FeatureSpec spec(int channels) {
        List<String> names = new ArrayList<>();
        for (int c = 0; c < channels; c++) {
            for (String aggregate : List.of("mean", "min", "max", "last", "count")) {
                names.add("c" + c + "." + aggregate);
            }
        }
        return FeatureSpec.of(STEP.toMillis(), names);
    }

    private static Run forecaster(Setup setup, Admin admin, int round) throws Exception {
        String app = "bench-forecaster-" + round;
        startAtEnd(admin, app);
        Map<TopicPartition, Long> outputStart = ends(admin, Topics.FORECASTS);
        Map<TopicPartition, Long> dlqStart = ends(admin, Topics.FORECASTER_DLQ);
        List<String> jvm = new ArrayList<>(List.of("-Xmx" + setup.heap()));
        Path jfr = setup.logs().resolve(app + ".jfr").toAbsolutePath();
        if (setup.profile()) {
            jvm.addAll(ProfileSummary.jvmOptions(jfr));
        }
        List<String> properties = new ArrayList<>(List.of("kafka.bootstrap.servers=" + setup.bootstrap(),
                "quarkus.kafka-streams.application-id=" + app,
                "streamcast.state-dir=" + setup.dataDir().resolve("state").resolve(app).toAbsolutePath()));
        properties.addAll(setup.forecasterProperties());
        setup.streams().forEach((k, v) -> properties.add("kafka-streams." + k + "=" + v));
        ServiceProcess process = ServiceProcess.start(Service.FORECASTER, Ports.pickFree("127.0.0.1"), jvm, properties,
                setup.logs().resolve(app + ".log"));
        try {
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (!process.isReady()) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the forecaster did not become ready; see " + process.log());
                }
                Thread.sleep(200);
            }
            Run run = measure(setup, admin, app, process.pid(), Topics.FORECASTS, outputStart);
            long[] refused = {0};
            readCommitted(setup.bootstrap(), dlqStart, r -> refused[0]++);
            if (refused[0] > 0) { // every vector is valid: a refusal means the figures would measure the DLQ path
                throw new IllegalStateException("the forecaster refused " + refused[0] + " vectors to forecaster-dlq; see "
                        + process.log());
            }
            String metrics = get(process.url("/q/metrics"));
            double bytes = gauge(metrics, "forecaster_state_bytes");
            double entities = gauge(metrics, "forecaster_entities");
            int[] byStep = stateBytesByStep(setup, app);
            run = run.withState(bytes / entities, byStep);
            report(setup.out(), run);
            setup.out().printf("bench forecaster: %-20s state written per entity at each step: %s bytes (the ceiling writes the"
                    + " same)%n", run.name(), CeilingApp.sizesArgument(byStep).replace(",", ", "));
            return run;
        } finally {
            process.close();
            if (setup.profile() && Files.exists(jfr)) {
                setup.out().printf("bench forecaster: %s profile: %s%n", app, ProfileSummary.line(ProfileSummary.of(jfr)));
            }
        }
    }

    /** The ceiling app's round, with the state and output sizes {@code sizes} (the forecaster's run before it) measured. */
    private static Run ceiling(Setup setup, Admin admin, int round, Run sizes) throws Exception {
        int[] stateBytes = sizes.stateBytesByStep();
        int outputBytes = (int) Math.round(sizes.outputBytes());
        String app = "bench-ceiling-" + round;
        startAtEnd(admin, app);
        Map<TopicPartition, Long> outputStart = ends(admin, CEILING_OUT);
        Path ready = setup.dataDir().resolve(app + ".ready");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-XX:+UseSerialGC", "-Xss8m", "-Xmx" + setup.heap(), Service.launcherWatchOption()));
        setup.streams().forEach((k, v) -> command.add("-D" + CeilingApp.OVERRIDE_PREFIX + k + "=" + v));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), CeilingApp.class.getName(), setup.bootstrap(), app,
                setup.dataDir().resolve("state").resolve(app).toAbsolutePath().toString(), CEILING_OUT.name(),
                CeilingApp.sizesArgument(stateBytes), String.valueOf(outputBytes), String.valueOf(setup.warmUp()), ready.toString()));
        Path log = setup.logs().resolve(app + ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (!Files.exists(ready)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the ceiling app did not start; see " + log);
                }
                Thread.sleep(100);
            }
            Run run = measure(setup, admin, app, process.pid(), CEILING_OUT, outputStart);
            run = run.withState(stateBytes[stateBytes.length - 1], stateBytes);
            report(setup.out(), run);
            return run;
        } finally {
            process.destroy();
            if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /**
     * With the app ready: settles, produces the warm-up and settling steps and waits until they are committed,
     * then does the same for the measured steps; counts each phase's committed output (by its
     * timestamp, the window end of its input).
     */
    private static Run measure(Setup setup, Admin admin, String app, long pid, TopicSpec output,
                               Map<TopicPartition, Long> outputStart) throws Exception {
        Thread.sleep(2000); // the first rebalance's follow-ups and the idle polls settle
        double cpu0 = cpuSeconds(pid);
        int unmeasured = setup.warmUp() + setup.settle();
        produce(setup, admin, app, 0, unmeasured);
        double cpu1 = cpuSeconds(pid);
        Map<String, Double> threads1 = ThreadCpu.byKind(pid, app);
        long t1 = System.nanoTime();
        java.time.LocalTime from = java.time.LocalTime.now();
        produce(setup, admin, app, unmeasured, unmeasured + setup.steps());
        double cpu2 = cpuSeconds(pid);
        Map<String, Double> threads2 = ThreadCpu.byKind(pid, app);
        double wall = (System.nanoTime() - t1) / 1e9;
        setup.out().printf("bench forecaster: %s measured from %s to %s (for a profile's samples); cpu-s by thread: %s%n", app,
                from, java.time.LocalTime.now(), ThreadCpu.difference(threads1, threads2));
        long[] outputs = new long[2];
        long[] bytes = new long[1];
        long measuredFrom = ORIGIN + (unmeasured + 1) * STEP.toMillis(); // the first measured step's window end
        readCommitted(setup.bootstrap(), outputStart, r -> {
            if (r.timestamp() >= measuredFrom) {
                outputs[1]++;
                bytes[0] += r.value().length;
            } else {
                outputs[0]++;
            }
        });
        return new Run(app, cpu0, cpu1 - cpu0, outputs[0], cpu2 - cpu1, outputs[1], wall,
                outputs[1] == 0 ? 0 : (double) bytes[0] / outputs[1], 0, new int[0]);
    }

    /**
     * The forecaster's state bytes per entity at each step of the run, from its served slot's changelog
     * (partition 0: the entities spread evenly): the mean size of the states it wrote once it had
     * stepped each step's input (by the last input a state holds, {@link EntityState#lastInput}; not
     * the record's timestamp, which is that of the input being processed when a batch was stepped). An
     * entity's state grows through its warm-up (its inputs for a later swap, then its remembered
     * forecasts), so a ceiling that wrote the final size from the first step would write more than the
     * forecaster did, and its RocksDB would flush and compact steps earlier: before the measured steps
     * rather than in them. A state written while its input still waited for the model (a commit came
     * first) is not counted: the ceiling writes one state per record, and how many inputs wait at a
     * commit, and how big they make a state (a new entity's has no tensors yet, a later one's holds the
     * input too), depends on when the commits fall; those extra writes are the forecaster's own cost.
     */
    private static int[] stateBytesByStep(Setup setup, String app) {
        int steps = setup.warmUp() + setup.settle() + setup.steps();
        long[] bytes = new long[steps];
        long[] writes = new long[steps];
        TopicPartition changelog = new TopicPartition(app + "-" + ForecastTopology.STATE_STORE_PREFIX + "served-changelog", 0);
        readCommitted(setup.bootstrap(), Map.of(changelog, 0L), r -> {
            if (r.value() == null) {
                return;
            }
            EntityState state;
            try {
                state = EntityStateFormat.decode(r.value());
            } catch (UnreadableStateException e) {
                throw new IllegalStateException("the forecaster wrote a state this bench cannot read in " + changelog, e);
            }
            if (state.pending() != null) {
                return;
            }
            long step = (state.lastInput() - ORIGIN) / STEP.toMillis() - 1; // by its window end
            if (step >= 0 && step < steps) {
                bytes[(int) step] += r.value().length;
                writes[(int) step]++;
            }
        });
        int[] perStep = new int[steps];
        for (int step = 0; step < steps; step++) {
            if (writes[step] == 0) {
                throw new IllegalStateException("no state written at step " + step + " in " + changelog);
            }
            perStep[step] = (int) Math.round((double) bytes[step] / writes[step]);
        }
        return perStep;
    }

    private static void report(PrintStream out, Run run) {
        out.printf("bench forecaster: %-20s start-up %.1f cpu-s; warm-up %.1f cpu-s, %d outputs; measured %d outputs in %.1f cpu-s"
                        + " (%.1f s wall): %.0f per cpu-s; output %.0f bytes, state %.0f bytes per entity%n", run.name(), run.startCpu(),
                run.warmUpCpu(), run.warmUpOutputs(), run.outputs(), run.cpu(), run.wall(), run.perCpuSecond(), run.outputBytes(),
                run.stateBytesPerEntity());
    }

    /**
     * Writes steps {@code [from, to)} of every entity (a step's vectors for all entities, then the
     * next step) and waits until {@code app} has committed all of it.
     */
    private static void produce(Setup setup, Admin admin, String app, int from, int to) throws Exception {
        long t0 = ORIGIN;
        FeatureSpec spec = setup.spec();
        double[] values = new double[spec.size()];
        boolean[] observed = new boolean[spec.size()];
        Arrays.fill(observed, true);
        Codec<FeatureVector> vectors = Codecs.featureVectors(setup.encoding());
        try (KafkaProducer<byte[], byte[]> producer = producer(setup.bootstrap())) {
            for (int step = from; step < to; step++) {
                long start = t0 + step * STEP.toMillis();
                for (int e = 0; e < setup.entities(); e++) {
                    for (int i = 0; i < values.length; i++) {
                        values[i] = LoadGenerator.value(e, i / 5, step);
                    }
                    byte[] vector = vectors.encode(new FeatureVector(spec.id(), start, start + STEP.toMillis(),
                            values, observed));
                    producer.send(new ProducerRecord<>(Topics.FEATURES.name(), null, start + STEP.toMillis(),
                            ("entity-" + e).getBytes(StandardCharsets.UTF_8), vector));
                }
            }
        }
        Map<TopicPartition, Long> ends = ends(admin, Topics.FEATURES);
        long deadline = System.nanoTime() + Duration.ofHours(1).toNanos();
        while (!caughtUp(admin, app, ends)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(app + " did not catch up within an hour");
            }
            Thread.sleep(100);
        }
    }

    /**
     * Event time of step 0: recent enough for any retention, at a whole hour. The forecaster's TTL scan
     * reads every state once per {@code forecaster.state.ttl-scan-interval} of stream time (an hour,
     * aligned to whole hours, the first at the first record), that is once in 60 one-minute steps: so
     * a run of fewer than 60 steps never measures it, rather than measuring a whole scan in a few steps
     * when the origin's minute happens to put an hour into them.
     */
    private static final long ORIGIN = (System.currentTimeMillis() - Duration.ofDays(1).toMillis()) / 3_600_000L * 3_600_000L;

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024),
                new ByteArraySerializer(), new ByteArraySerializer()); // uncompressed, as ingest writes features
    }

    /** The app's group starts at the current end of {@code features}: only this run's vectors are its input. */
    private static void startAtEnd(Admin admin, String app) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
        ends(admin, Topics.FEATURES).forEach((tp, offset) -> start.put(tp, new OffsetAndMetadata(offset)));
        admin.alterConsumerGroupOffsets(app, start).all().get();
    }

    private static Map<TopicPartition, Long> ends(Admin admin, TopicSpec topic) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        SystemUnderTest.partitions(topic).forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, Long> ends = new LinkedHashMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));
        return ends;
    }

    private static boolean caughtUp(Admin admin, String group, Map<TopicPartition, Long> ends) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            OffsetAndMetadata offset = committed.get(end.getKey());
            if (offset == null || offset.offset() < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Every committed record from {@code from} to the current end of those partitions. */
    private static void readCommitted(String bootstrap, Map<TopicPartition, Long> from,
                                      java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> visitor) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>(from.keySet());
            consumer.assign(partitions);
            from.forEach(consumer::seek);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                consumer.poll(Duration.ofMillis(200)).forEach(visitor);
            }
        }
    }

    /** The process's CPU time so far, all threads (user and system), in seconds. */
    private static double cpuSeconds(long pid) {
        return ProcessHandle.of(pid).flatMap(p -> p.info().totalCpuDuration())
                .orElseThrow(() -> new IllegalStateException("no CPU time for process " + pid + " on this system"))
                .toNanos() / 1e9;
    }

    private static String get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private static double gauge(String metrics, String name) {
        Matcher m = GAUGE.matcher(metrics);
        while (m.find()) {
            if (m.group(1).equals(name)) {
                return Double.parseDouble(m.group(2));
            }
        }
        throw new IllegalStateException("no " + name + " for the served slot in the forecaster's /q/metrics");
    }
}
