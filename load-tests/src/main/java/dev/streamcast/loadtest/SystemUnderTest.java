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
                           Duration batchWait, List<String> profiling, Map<String, String> streams, Encoding encoding,
                           int partitions) {
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
    /** The running instances of each service by instance number (1, 2, ...), each with a state directory of its own. */
    private final Map<Service, Map<Integer, ServiceProcess>> instances = new java.util.EnumMap<>(Service.class);
    private final Map<Service, Integer> numbered = new java.util.EnumMap<>(Service.class);
    private final Map<String, Integer> starts = new java.util.HashMap<>();
    private int instancesMax;
    private Process passthrough;

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
        try {
            prepareTopics(admin, settings.partitions());
        } catch (Exception | Error e) { // the broker's threads would keep this JVM alive after the failure
            admin.close(Duration.ofSeconds(5));
            broker.close();
            throw e;
        }
        log.printf("load-test: broker on %s in %.1f s%n", broker.bootstrapServers(), broker.startMillis() / 1000.0);
        return new SystemUnderTest(build, settings, log, broker, admin);
    }

    /** Partitions of each data topic as the broker's metadata has them, once it has them all (a new topic takes a moment). */
    private static Map<String, Integer> partitionCounts(Admin admin) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                Map<String, Integer> counts = new LinkedHashMap<>();
                admin.describeTopics(DATA_TOPICS.stream().map(TopicSpec::name).toList()).allTopicNames().get()
                        .forEach((name, d) -> counts.put(name, d.partitions().size()));
                return counts;
            } catch (java.util.concurrent.ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
                        || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    /** The run's data topics: they get the run's partitions, the DLQs keep one. */
    static final List<TopicSpec> DATA_TOPICS = List.of(Topics.SENSOR_READINGS, Topics.TEXT_EVENTS, Topics.FEATURES,
            Topics.FORECASTS, Topics.FORECASTS_SHADOW, PASSTHROUGH);

    static TopicSpec withPartitions(TopicSpec topic, int partitions) {
        return DATA_TOPICS.contains(topic) ? new TopicSpec(topic.name(), partitions, topic.compacted(), topic.valueDescription())
                : topic;
    }

    /** {@code topic} as this run has it (its partitions). */
    public TopicSpec topic(TopicSpec topic) {
        return withPartitions(topic, settings.partitions());
    }

    /** The run's topics as this run has them. */
    public List<TopicSpec> runTopics() {
        return RUN_TOPICS.stream().map(this::topic).toList();
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
        prepareTopics(admin, Topics.SENSOR_READINGS.partitions());
    }

    /** As {@link #prepareTopics(Admin)}, with {@code partitions} partitions on every data topic (at least the contracts' 4). */
    public static void prepareTopics(Admin admin, int partitions) throws Exception {
        TopicProvisioner.ensure(admin, List.of(withPartitions(PASSTHROUGH, partitions)), (short) 1);
        Map<String, org.apache.kafka.clients.admin.NewPartitions> more = new LinkedHashMap<>();
        Map<String, Integer> existing = partitionCounts(admin);
        for (TopicSpec topic : DATA_TOPICS) {
            int now = existing.get(topic.name());
            if (partitions > now) {
                more.put(topic.name(), org.apache.kafka.clients.admin.NewPartitions.increaseTo(partitions));
            } else if (partitions < now) {
                throw new IllegalArgumentException("topic " + topic.name() + " has " + now + " partitions; a run needs at least"
                        + " that many, got --partitions " + partitions);
            }
        }
        if (!more.isEmpty()) {
            admin.createPartitions(more).all().get();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitionCounts(admin).values().stream().anyMatch(n -> n < partitions)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the run's topics did not reach " + partitions + " partitions in 30 s");
                }
                Thread.sleep(100);
            }
        }
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
        readCommitted(bootstrapServers, partitions(Topics.INGEST_DLQ, Topics.FORECASTER_DLQ),
                r -> counts.merge(r.topic() + " " + DlqHeaders.read(r.headers(), DlqHeaders.REASON), 1L, Long::sum));
        return counts;
    }

    /** Every committed record of {@code partitions} now, each partition in offset order (read_committed, from the start). */
    public static void readCommitted(String bootstrapServers, List<TopicPartition> partitions,
                                     java.util.function.Consumer<ConsumerRecord<byte[], byte[]>> each) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                consumer.poll(Duration.ofMillis(200)).forEach(each);
            }
        }
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

    /** The bundle of the run's model {@code version}, as the forecasters load it. */
    public Path bundle(long version) {
        return modelDir().resolve(MODEL).resolve(String.valueOf(version));
    }

    /** Starts ingest and the forecaster and waits until both are ready. */
    public void startPipeline() throws Exception {
        startPipeline(1, 1);
    }

    /** Starts {@code ingests} instances of ingest and {@code forecasters} of the forecaster; returns once all are ready. */
    public void startPipeline(int ingests, int forecasters) throws Exception {
        Files.createDirectories(logs);
        List<Integer> started = new ArrayList<>();
        for (int i = 0; i < ingests; i++) {
            started.add(launch(Service.INGEST, next(Service.INGEST)));
        }
        List<Integer> startedForecasters = new ArrayList<>();
        for (int i = 0; i < forecasters; i++) {
            startedForecasters.add(launch(Service.FORECASTER, next(Service.FORECASTER)));
        }
        for (int n : started) {
            awaitReady(instances.get(Service.INGEST).get(n), Duration.ofMinutes(3));
        }
        for (int n : startedForecasters) {
            awaitReady(instances.get(Service.FORECASTER).get(n), Duration.ofMinutes(3));
        }
        log.printf("load-test: %d ingest and %d forecaster instances ready (pids %s)%n", ingests, forecasters,
                instances.values().stream().flatMap(m -> m.values().stream()).map(p -> String.valueOf(p.pid())).toList());
    }

    /** Starts one more instance of {@code service}; returns its number once it is ready. */
    public int addInstance(Service service) throws Exception {
        int n = launch(service, next(service));
        awaitReady(instances.get(service).get(n), Duration.ofMinutes(3));
        return n;
    }

    /** Stops instance {@code n} of {@code service} gracefully (SIGTERM: it closes its stream and leaves the group). */
    public void stopInstance(Service service, int n) {
        ServiceProcess p = instances.get(service).remove(n);
        if (p != null) {
            p.close();
        }
    }

    /** SIGKILL to instance {@code n} of {@code service}: no close, no commit, an open transaction left behind. */
    public void killInstance(Service service, int n) throws InterruptedException {
        ServiceProcess p = instances.get(service).remove(n);
        if (p != null) {
            p.kill();
        }
    }

    /** Starts instance {@code n} of {@code service} again on its state directory; returns once it is ready. */
    public void startInstance(Service service, int n) throws Exception {
        launch(service, n);
        awaitReady(instances.get(service).get(n), Duration.ofMinutes(3));
    }

    /** The numbers of the running instances of {@code service}, in order. */
    public List<Integer> instances(Service service) {
        return new ArrayList<>(new java.util.TreeSet<>(instances.getOrDefault(service, Map.of()).keySet()));
    }

    /** The most instances (of both services) that ran at once. */
    public int instancesMax() {
        return instancesMax;
    }

    private int next(Service service) {
        return numbered.merge(service, 1, Integer::sum);
    }

    private int launch(Service service, int n) throws IOException {
        Files.createDirectories(logs);
        String name = service == Service.INGEST ? "ingest" : "forecaster";
        int start = starts.merge(name + "-" + n, 1, Integer::sum);
        String logName = name + (n == 1 ? "" : "-" + n) + (start == 1 ? "" : "-start" + start) + ".log";
        Path state = settings.dataDir().resolve(n == 1 ? "state" : "state-" + n).toAbsolutePath();
        List<String> common = List.of("kafka.bootstrap.servers=" + broker.bootstrapServers(), "streamcast.state-dir=" + state);
        List<String> own = service == Service.INGEST ? List.of(
                "ingest.window.size=" + settings.window(),
                "ingest.window.grace=" + settings.grace(),
                "ingest.channels=" + String.join(",", IntStream.range(0, settings.channels()).mapToObj(c -> "c" + c).toList()),
                "ingest.store=" + settings.ingestStore(),
                // simulated event time runs ahead of the clock: only data moves it, and any timestamp is in bounds
                "ingest.wall-clock-advance=false",
                "ingest.timestamps.max-past=P3650D",
                "ingest.timestamps.max-future=P3650D",
                "ingest.idle-timeout=P1D")
                : List.of(
                "forecaster.model.dir=" + modelDir().toAbsolutePath(),
                "forecaster.model.name=" + MODEL,
                "forecaster.state.store=" + settings.forecasterStore(),
                "forecaster.emit-before-warm-up=true",
                "forecaster.batch.max-size=" + settings.batchSize(),
                "forecaster.batch.max-wait=" + settings.batchWait(),
                "forecaster.state.ttl=P3650D");
        ServiceProcess p = ServiceProcess.start(service, Ports.pickFree("127.0.0.1"), jvmOptions(name),
                concat(concat(common, own), concat(encodings(), streamsProperties())), logs.resolve(logName));
        instances.computeIfAbsent(service, s -> new LinkedHashMap<>()).put(n, p);
        instancesMax = Math.max(instancesMax, instances.values().stream().mapToInt(Map::size).sum());
        return n;
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
            options.addAll(ProfileSummary.jvmOptions(logs.resolve(service + "-" + System.nanoTime() + ".jfr")));
        }
        return options;
    }

    /** SIGKILL to the (first) forecaster, then a new one on the same state directory; returns once it is ready. */
    public Duration killAndRestartForecaster() throws Exception {
        long t0 = System.nanoTime();
        int n = instances(Service.FORECASTER).get(0);
        killInstance(Service.FORECASTER, n);
        log.printf("load-test: forecaster killed (SIGKILL)%n");
        startInstance(Service.FORECASTER, n);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        log.printf("load-test: forecaster restarted and ready %.1f s after the kill%n", took.toMillis() / 1000.0);
        return took;
    }

    /** Stops every instance cleanly (SIGTERM), forecasters first, so the baseline has the machine to itself. */
    public void stopPipeline() {
        for (Service service : List.of(Service.FORECASTER, Service.INGEST)) {
            for (int n : instances(service)) {
                stopInstance(service, n);
            }
        }
    }

    /** Starts the pass-through from the current end of the input topics and waits until it runs. */
    public void startPassThrough() throws Exception {
        // its group starts at the end of the inputs: the pipeline's records are not its input
        Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
        partitions(topic(Topics.SENSOR_READINGS), topic(Topics.TEXT_EVENTS)).forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, OffsetAndMetadata> start = new java.util.HashMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, info) -> start.put(tp, new OffsetAndMetadata(info.offset())));
        admin.alterConsumerGroupOffsets(PassThroughApp.APPLICATION_ID, start).all().get();

        Path ready = settings.dataDir().resolve("passthrough.ready");
        Files.deleteIfExists(ready);
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(jvmOptions("passthrough"));
        command.add(0, java);
        command.add(1, Service.launcherWatchOption()); // it stops with this JVM, as the services do
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

    /** The metrics of the first running ingest instance (the harness samples one). */
    public String ingestMetricsUrl() {
        return metricsUrl(Service.INGEST);
    }

    public String forecasterMetricsUrl() {
        return metricsUrl(Service.FORECASTER);
    }

    private String metricsUrl(Service service) {
        List<Integer> running = instances(service);
        ServiceProcess s = running.isEmpty() ? null : instances.get(service).get(running.get(0));
        return s == null ? null : s.url("/q/metrics");
    }

    /** Services that died on their own (a crash is a failed run, not a slow one; instances the harness stops are not). */
    public List<String> deadServices() {
        List<String> dead = new ArrayList<>();
        for (Map<Integer, ServiceProcess> running : instances.values()) {
            for (ServiceProcess p : running.values()) {
                if (!p.isAlive()) {
                    dead.add(p.name() + " (log " + p.log() + ")");
                }
            }
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
