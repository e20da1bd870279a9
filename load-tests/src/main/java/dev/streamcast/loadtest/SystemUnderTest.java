package dev.streamcast.loadtest;

import dev.streamcast.contracts.bundle.Manifests;
import dev.streamcast.contracts.json.Encoding;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.ModelEvent;
import dev.streamcast.contracts.topics.DlqHeaders;
import dev.streamcast.contracts.topics.TopicSpec;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.local.process.Service;
import dev.streamcast.local.process.ServiceProcess;
import dev.streamcast.local.broker.LocalBroker;
import dev.streamcast.local.broker.Ports;
import dev.streamcast.local.broker.TopicProvisioner;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * The system a load test drives, all on this machine: a real Kafka broker (in this JVM), the
 * ingest and forecaster services built by Maven, each its own JVM as deployed
 * ({@code quarkus-run.jar}), an LSTM model trained for the run by the trainer, and, for the
 * baseline, the identity pass-through in its own JVM.
 */
public final class SystemUnderTest implements AutoCloseable {

    /**
     * The repository the run works in: the trainer runs from its root, where it keeps its native
     * library cache ({@code .streamcast/djl}). The services themselves are located by {@link Service}.
     */
    public record Build(Path root) {

        /** Fails with what to run when a service is not built. */
        void check() {
            for (Service service : List.of(Service.INGEST, Service.FORECASTER)) {
                if (!service.built()) {
                    throw new IllegalStateException(service.application()
                            + " is missing: build first (./streamcast build, or mvn -B -DskipTests package)");
                }
            }
        }

        /** The repository root: {@code -Dstreamcast.root}, else the nearest parent of the working directory with the launcher. */
        public static Build locate() {
            String given = System.getProperty("streamcast.root");
            Path start = given != null && !given.isBlank() ? Path.of(given) : Path.of("").toAbsolutePath();
            for (Path p = start.toAbsolutePath(); p != null; p = p.getParent()) {
                if (Files.isRegularFile(p.resolve("streamcast")) && Files.isDirectory(p.resolve("forecaster"))) {
                    return new Build(p);
                }
            }
            throw new IllegalStateException("cannot find the streamcast repository from " + start + " (set -Dstreamcast.root)");
        }
    }

    /** How the services are set up for a run. */
    public record Settings(Path dataDir, int entities, int channels, Duration window, Duration grace, int lstmHidden,
                           String ingestStore, String forecasterStore, String serviceHeap, int batchSize,
                           Duration batchWait, List<String> profiling, Map<String, String> streams, Encoding encoding) {
    }

    public static final String MODEL = "load-test";
    public static final String INGEST_GROUP = "streamcast-ingest";
    public static final String FORECASTER_GROUP = "streamcast-forecaster";
    public static final TopicSpec PASSTHROUGH = new TopicSpec(PassThroughApp.OUTPUT, 4, false, "copies of the input");

    private final Build build;
    private final Settings settings;
    private final PrintStream log;
    private final LocalBroker broker;
    private final Admin admin;
    private final Path logs;
    private ServiceProcess ingest;
    private ServiceProcess forecaster;
    private Process passthrough;
    private int forecasterStarts;

    private SystemUnderTest(Build build, Settings settings, PrintStream log, LocalBroker broker, Admin admin) {
        this.build = build;
        this.settings = settings;
        this.log = log;
        this.broker = broker;
        this.admin = admin;
        this.logs = settings.dataDir().resolve("logs");
    }

    /** Starts the broker and sets up the topics; the services start with {@link #startPipeline}. */
    public static SystemUnderTest start(Build build, Settings settings, PrintStream log) throws Exception {
        build.check();
        Files.createDirectories(settings.dataDir());
        LocalBroker broker = LocalBroker.start(new LocalBroker.Settings(settings.dataDir().resolve("broker"), "127.0.0.1",
                Ports.pickFree("127.0.0.1"), Ports.pickFree("127.0.0.1")));
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
        prepareTopics(admin);
        log.printf("load-test: broker on %s in %.1f s%n", broker.bootstrapServers(), broker.startMillis() / 1000.0);
        return new SystemUnderTest(build, settings, log, broker, admin);
    }

    /** The topics every run writes, which {@link #prepareTopics} keeps whole. */
    public static final List<TopicSpec> RUN_TOPICS = List.of(Topics.SENSOR_READINGS, Topics.TEXT_EVENTS, Topics.FEATURES,
            Topics.FORECASTS, Topics.FORECASTS_SHADOW, Topics.INGEST_DLQ, Topics.FORECASTER_DLQ, PASSTHROUGH);

    /**
     * Creates the pass-through's output topic and sets up the run's topics: the outputs carry the
     * broker's append time (end-to-end latency is measured to it), and every data topic keeps
     * its records ({@code retention.ms=-1}). The load's event time lies in the past (1,000 days
     * ago onwards) and Kafka deletes by record timestamp: with the default seven days of retention,
     * each retention check (30 s after start, then every 5 min) deletes everything not yet read.
     */
    public static void prepareTopics(Admin admin) throws Exception {
        TopicProvisioner.ensure(admin, List.of(PASSTHROUGH), (short) 1);
        AlterConfigOp appendTime = new AlterConfigOp(new ConfigEntry("message.timestamp.type", "LogAppendTime"),
                AlterConfigOp.OpType.SET);
        AlterConfigOp keepAll = new AlterConfigOp(new ConfigEntry("retention.ms", "-1"), AlterConfigOp.OpType.SET);
        Map<ConfigResource, Collection<AlterConfigOp>> changes = new LinkedHashMap<>();
        for (TopicSpec topic : RUN_TOPICS) {
            boolean output = topic == Topics.FORECASTS || topic == PASSTHROUGH;
            changes.put(new ConfigResource(ConfigResource.Type.TOPIC, topic.name()),
                    output ? List.of(appendTime, keepAll) : List.of(keepAll));
        }
        admin.incrementalAlterConfigs(changes).all().get();
    }

    /**
     * The records the broker deleted from {@code topics} (retention or deleteRecords), per
     * partition whose log no longer starts at offset 0; empty when everything written is still there.
     */
    public static Map<TopicPartition, Long> deletedRecords(Admin admin, List<TopicSpec> topics) throws Exception {
        Map<TopicPartition, OffsetSpec> earliest = new LinkedHashMap<>();
        for (TopicPartition tp : partitions(topics.toArray(TopicSpec[]::new))) {
            earliest.put(tp, OffsetSpec.earliest());
        }
        Map<TopicPartition, Long> deleted = new TreeMap<>(Comparator.comparing(TopicPartition::toString));
        admin.listOffsets(earliest).all().get().forEach((tp, info) -> {
            if (info.offset() > 0) {
                deleted.put(tp, info.offset());
            }
        });
        return deleted;
    }

    /**
     * What the services refused: per DLQ topic and {@code dlq.reason}, the committed records of
     * {@code ingest-dlq} and {@code forecaster-dlq}. The load is all valid, so anything here lost
     * data (a window closed before its readings came is {@code LATE}, for instance).
     */
    public static Map<String, Long> refused(String bootstrapServers) {
        Map<String, Long> counts = new TreeMap<>();
        List<TopicPartition> dlqs = partitions(Topics.INGEST_DLQ, Topics.FORECASTER_DLQ);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(dlqs);
            consumer.seekToBeginning(dlqs);
            Map<TopicPartition, Long> end = consumer.endOffsets(dlqs);
            while (dlqs.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    String reason = DlqHeaders.read(r.headers(), DlqHeaders.REASON);
                    counts.merge(r.topic() + " " + reason, 1L, Long::sum);
                }
            }
        }
        return counts;
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public Admin admin() {
        return admin;
    }

    public Settings settings() {
        return settings;
    }

    public static List<TopicPartition> partitions(TopicSpec... topics) {
        List<TopicPartition> all = new ArrayList<>();
        for (TopicSpec t : topics) {
            IntStream.range(0, t.partitions()).forEach(p -> all.add(new TopicPartition(t.name(), p)));
        }
        return all;
    }

    /**
     * Trains an LSTM ({@link LstmTraining}: one layer of {@code lstmHidden} units, look-back 24,
     * horizon 12) and files it as version {@code version}; the first version becomes {@code champion}.
     */
    public void trainModel(int version, long seed) throws Exception {
        double seconds = new LstmTraining(settings.lstmHidden(), 24, 12, settings.window()).train(build.root(),
                settings.dataDir().resolve("training").toAbsolutePath(), modelDir(), MODEL, version, seed,
                logs.resolve("train-v" + version + ".log"));
        log.printf("load-test: trained %s@%d (LSTM, %d hidden) in %.1f s%n", MODEL, version, settings.lstmHidden(), seconds);
    }

    /** Points {@code champion} at {@code version} the way the registry does: an ALIAS_MOVED event on model-events. */
    public void moveChampion(long version, long previous) throws Exception {
        Path dir = modelDir().resolve(MODEL);
        Files.writeString(dir.resolve("aliases.properties"), "champion=" + version + "\n");
        String sha = Manifests.sha256(dir.resolve(String.valueOf(version)).resolve("manifest.json"));
        ModelEvent event = new ModelEvent(ModelEvent.Type.ALIAS_MOVED, MODEL, version, "champion", previous, sha,
                System.currentTimeMillis(), Map.of("champion", version));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.MODEL_EVENTS.name(), MODEL.getBytes(StandardCharsets.UTF_8),
                    Codecs.MODEL_EVENT.encode(event))).get();
        }
    }

    private Path modelDir() {
        return settings.dataDir().resolve("models");
    }

    /** Starts ingest and the forecaster and waits until both are ready. */
    public void startPipeline() throws Exception {
        Files.createDirectories(logs);
        List<String> channels = IntStream.range(0, settings.channels()).mapToObj(c -> "c" + c).toList();
        int ingestPort = Ports.pickFree("127.0.0.1");
        ingest = ServiceProcess.start(Service.INGEST, ingestPort, jvmOptions("ingest"), concat(List.of(
                "kafka.bootstrap.servers=" + broker.bootstrapServers(),
                "streamcast.state-dir=" + settings.dataDir().resolve("state").toAbsolutePath(),
                "ingest.window.size=" + settings.window(),
                "ingest.window.grace=" + settings.grace(),
                "ingest.channels=" + String.join(",", channels),
                "ingest.store=" + settings.ingestStore(),
                // simulated event time runs ahead of the clock: only data moves it, and any timestamp is in bounds
                "ingest.wall-clock-advance=false",
                "ingest.timestamps.max-past=P3650D",
                "ingest.timestamps.max-future=P3650D",
                "ingest.idle-timeout=P1D"), concat(encodings(), streamsProperties())), logs.resolve("ingest.log"));
        startForecaster();
        awaitReady(ingest, Duration.ofMinutes(3));
        awaitReady(forecaster, Duration.ofMinutes(3));
        log.printf("load-test: ingest (pid %d) and forecaster (pid %d) ready%n", ingest.pid(), forecaster.pid());
    }

    /** The encoding of {@code features} and {@code forecasts}, which ingest, the forecaster and the collector share. */
    private List<String> encodings() {
        return List.of(Encoding.setting(Topics.FEATURES.name()) + "=" + settings.encoding().label(),
                Encoding.setting(Topics.FORECASTS.name()) + "=" + settings.encoding().label());
    }

    /** The Kafka Streams overrides every stage gets alike ({@code kafka-streams.<name>=<value>} in the services). */
    private List<String> streamsProperties() {
        return settings.streams().entrySet().stream().map(e -> "kafka-streams." + e.getKey() + "=" + e.getValue()).toList();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private List<String> jvmOptions(String service) {
        List<String> options = new ArrayList<>(List.of("-Xmx" + settings.serviceHeap(), "-XX:+UseSerialGC"));
        if (settings.profiling().contains(service)) {
            options.add("-XX:StartFlightRecording=filename=" + logs.resolve(service + "-" + System.nanoTime() + ".jfr").toAbsolutePath()
                    + ",settings=profile,dumponexit=true");
        }
        return options;
    }

    private void startForecaster() throws IOException {
        forecasterStarts++;
        int port = Ports.pickFree("127.0.0.1");
        forecaster = ServiceProcess.start(Service.FORECASTER, port, jvmOptions("forecaster"), concat(List.of(
                "kafka.bootstrap.servers=" + broker.bootstrapServers(),
                "streamcast.state-dir=" + settings.dataDir().resolve("state").toAbsolutePath(),
                "forecaster.model.dir=" + modelDir().toAbsolutePath(),
                "forecaster.model.name=" + MODEL,
                "forecaster.state.store=" + settings.forecasterStore(),
                "forecaster.emit-before-warm-up=true",
                "forecaster.batch.max-size=" + settings.batchSize(),
                "forecaster.batch.max-wait=" + settings.batchWait(),
                "forecaster.state.ttl=P3650D"), concat(encodings(), streamsProperties())),
                logs.resolve(forecasterStarts == 1 ? "forecaster.log" : "forecaster-" + forecasterStarts + ".log"));
    }

    /** SIGKILL to the forecaster, then a new one on the same state directory; returns once it is ready. */
    public Duration killAndRestartForecaster() throws Exception {
        long t0 = System.nanoTime();
        forecaster.kill();
        log.printf("load-test: forecaster killed (SIGKILL)%n");
        startForecaster();
        awaitReady(forecaster, Duration.ofMinutes(3));
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        log.printf("load-test: forecaster restarted and ready %.1f s after the kill%n", took.toMillis() / 1000.0);
        return took;
    }

    /** Stops ingest and the forecaster cleanly (SIGTERM), so the baseline has the machine to itself. */
    public void stopPipeline() {
        if (forecaster != null) {
            forecaster.close();
            forecaster = null;
        }
        if (ingest != null) {
            ingest.close();
            ingest = null;
        }
    }

    /** Starts the pass-through from the current end of the input topics and waits until it runs. */
    public void startPassThrough() throws Exception {
        // its group starts at the end of the inputs: the pipeline's records are not its input
        Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
        partitions(Topics.SENSOR_READINGS, Topics.TEXT_EVENTS).forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, OffsetAndMetadata> start = new java.util.HashMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, info) -> start.put(tp, new OffsetAndMetadata(info.offset())));
        admin.alterConsumerGroupOffsets(PassThroughApp.APPLICATION_ID, start).all().get();

        Path ready = settings.dataDir().resolve("passthrough.ready");
        Files.deleteIfExists(ready);
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(jvmOptions("passthrough"));
        command.add(0, java);
        settings.streams().forEach((k, v) -> command.add("-D" + PassThroughApp.OVERRIDE_PREFIX + k + "=" + v));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), PassThroughApp.class.getName(),
                broker.bootstrapServers(), settings.dataDir().resolve("state").resolve("passthrough").toAbsolutePath().toString(),
                ready.toAbsolutePath().toString()));
        passthrough = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(logs.resolve("passthrough.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!Files.exists(ready)) {
            if (!passthrough.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the pass-through did not start; see " + logs.resolve("passthrough.log"));
            }
            Thread.sleep(50);
        }
        log.printf("load-test: pass-through (pid %d) running%n", passthrough.pid());
    }

    public void stopPassThrough() throws InterruptedException {
        if (passthrough != null) {
            passthrough.destroy();
            if (!passthrough.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                passthrough.destroyForcibly();
            }
            passthrough = null;
        }
    }

    public String ingestMetricsUrl() {
        ServiceProcess s = ingest;
        return s == null ? null : s.url("/q/metrics");
    }

    public String forecasterMetricsUrl() {
        ServiceProcess s = forecaster;
        return s == null ? null : s.url("/q/metrics");
    }

    /** Services that died on their own (a crash is a failed run, not a slow one). */
    public List<String> deadServices() {
        List<String> dead = new ArrayList<>();
        if (ingest != null && !ingest.isAlive()) {
            dead.add("ingest (log " + ingest.log() + ")");
        }
        if (forecaster != null && !forecaster.isAlive()) {
            dead.add("forecaster (log " + forecaster.log() + ")");
        }
        if (passthrough != null && !passthrough.isAlive()) {
            dead.add("pass-through (log " + logs.resolve("passthrough.log") + ")");
        }
        return dead;
    }

    private static void awaitReady(ServiceProcess service, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!service.isReady()) {
            if (!service.isAlive()) {
                throw new IllegalStateException(service.name() + " exited while starting; see " + service.log());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(service.name() + " not ready after " + timeout + "; see " + service.log());
            }
            Thread.sleep(200);
        }
    }

    @Override
    public void close() throws Exception {
        stopPassThrough();
        stopPipeline();
        admin.close(Duration.ofSeconds(5));
        broker.close();
    }
}
