package dev.streamcast.loadtest.bench;

import dev.streamcast.contracts.json.Encoding;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.topics.TopicSpec;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.local.demo.DemoSignals;
import dev.streamcast.ingest.IngestSettings;
import dev.streamcast.ingest.windowing.IngestMetrics;
import dev.streamcast.ingest.windowing.TopologyProducer;
import dev.streamcast.local.broker.LocalBroker;
import dev.streamcast.contracts.cli.Options;
import dev.streamcast.local.broker.Ports;
import dev.streamcast.local.broker.TopicProvisioner;
import dev.streamcast.local.quickstart.Quickstart;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * {@code ./streamcast bench ingest}: on one local broker and one input, the records per second
 * of the ingest topology and of an identity pass-through topology (the ceiling any Kafka Streams
 * application on this machine can reach), both under exactly_once_v2 with one stream thread.
 * After one discarded warm-up run of each (the first run on a fresh JVM and broker is up to three
 * times slower), runs pass-through and ingest alternately {@code --rounds} times and compares
 * the means, so drift on a shared machine hits both alike.
 * Last line: {@code ingest_vs_passthrough=<ratio>}.
 */
public final class IngestBench {

    private static final TopicSpec PASSTHROUGH_OUT = new TopicSpec("bench-passthrough", 4, false, "copies of the input");

    /** Held so the levels stick (JUL keeps loggers weakly). */
    private static final List<java.util.logging.Logger> QUIET = List.of(
            java.util.logging.Logger.getLogger("org.apache.kafka"), java.util.logging.Logger.getLogger("kafka"),
            java.util.logging.Logger.getLogger("state.change.logger"));

    private IngestBench() {
    }

    public static void main(String[] args) throws Exception {
        // As in the applications (Quarkus sets the levels there): no per-record trace formatting.
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.INFO);
        QUIET.forEach(logger -> logger.setLevel(java.util.logging.Level.WARNING));
        Options options = Options.parse(args, Map.of(
                "--readings", "1000000",
                "--entities", "10000",
                "--interval-ms", "6000",
                "--store", "in-memory",
                "--only", "all",
                "--encoding", "json",
                "--rounds", "2"), "bench ingest");
        int readings = (int) options.getLong("--readings", 1, 100_000_000);
        int entities = (int) options.getLong("--entities", 1, 10_000_000);
        long interval = options.getLong("--interval-ms", 1, 3_600_000);
        Path dataDir = Files.createTempDirectory("streamcast-bench-ingest");
        LocalBroker.Settings settings = new LocalBroker.Settings(dataDir.resolve("broker"), "127.0.0.1",
                Ports.pickFree("127.0.0.1"), Ports.pickFree("127.0.0.1"));
        try {
            try (LocalBroker broker = LocalBroker.start(settings)) {
                System.out.printf("bench ingest: broker ready on %s in %.1f s%n", broker.bootstrapServers(), broker.startMillis() / 1000.0);
                try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                    TopicProvisioner.ensure(admin, List.of(PASSTHROUGH_OUT), (short) 1);
                    long[] input = produce(broker.bootstrapServers(), readings, entities, interval);
                    System.out.printf("bench ingest: input %d sensor readings and %d text events over %d entities%n",
                            input[0], input[1], entities);

                    IngestSettings ingest = withStore(IngestSettings.defaults(), "in-memory".equals(options.get("--store")),
                            Encoding.parse("--encoding", options.get("--encoding")));
                    if ("ingest".equals(options.get("--only"))) { // for profiling: a warm-up run, then the measured one
                        for (String name : List.of("ingest-warmup", "ingest-profiled")) {
                            run(name, ingestTopology(ingest), broker.bootstrapServers(), dataDir, admin, input[0] + input[1]);
                        }
                        return;
                    }
                    long records = input[0] + input[1];
                    // one discarded run of each warms the JIT of client, broker and topology code alike
                    run("passthrough-warmup", passthrough(), broker.bootstrapServers(), dataDir, admin, records);
                    run("ingest-warmup", ingestTopology(ingest), broker.bootstrapServers(), dataDir, admin, records);
                    double passthrough = 0;
                    double windowing = 0;
                    int rounds = (int) options.getLong("--rounds", 1, 100);
                    for (int round = 1; round <= rounds; round++) {
                        passthrough += run("passthrough-" + round, passthrough(), broker.bootstrapServers(), dataDir, admin, records);
                        windowing += run("ingest-" + round, ingestTopology(ingest), broker.bootstrapServers(), dataDir, admin, records);
                    }
                    passthrough /= rounds;
                    windowing /= rounds;
                    System.out.printf("passthrough_records_per_s=%.0f%n", passthrough);
                    System.out.printf("ingest_records_per_s=%.0f%n", windowing);
                    System.out.printf("ingest_vs_passthrough=%.3f%n", windowing / passthrough);
                }
            }
        } finally {
            Quickstart.deleteRecursively(dataDir); // the broker's log and the runs' state: gigabytes at a million readings
        }
    }

    private static Topology ingestTopology(IngestSettings settings) {
        return TopologyProducer.build(settings, new IngestMetrics(new SimpleMeterRegistry()));
    }

    private static IngestSettings withStore(IngestSettings d, boolean inMemory, Encoding features) {
        return new IngestSettings(d.windowSize(), d.grace(), d.channels(), d.aggregates(), d.dlqUnknownChannels(),
                d.imputation(), d.idleTimeout(), d.textEnabled(), d.textBuckets(), d.ngrams(), d.keywords(),
                d.maxTextChars(), d.maxPast(), d.maxFuture(), d.punctuateInterval(), false, inMemory, features, d.closeSlice());
    }

    /** Writes the demo stream of {@code entities} transformers, {@code interval} apart, until {@code readings}. */
    private static long[] produce(String bootstrap, int readings, int entities, long interval) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        DemoSignals signals = new DemoSignals(entities, 7, 1.0 / 2000, 1.0 / 2000);
        long steps = (readings + entities - 1) / entities;
        long t0 = (System.currentTimeMillis() - Duration.ofHours(6).toMillis()) / 60_000 * 60_000;
        long sensor = 0;
        long text = 0;
        long start = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
            for (long step = 0; step < steps && sensor < readings; step++) {
                long ts = t0 + step * interval;
                for (DemoSignals.Step s : signals.next(ts)) {
                    if (sensor++ >= readings) {
                        break;
                    }
                    producer.send(new ProducerRecord<>(Topics.SENSOR_READINGS.name(), null, ts, s.entity(),
                            Codecs.SENSOR_READING.encode(s.reading())));
                    for (var event : s.texts()) {
                        text++;
                        producer.send(new ProducerRecord<>(Topics.TEXT_EVENTS.name(), null, ts, s.entity(),
                                Codecs.TEXT_EVENT.encode(event)));
                    }
                }
            }
        }
        System.out.printf("bench ingest: wrote the input in %.1f s%n", (System.nanoTime() - start) / 1e9);
        return new long[]{Math.min(sensor, readings), text};
    }

    private static Topology passthrough() {
        Topology topology = new Topology();
        topology.addSource("in", new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                Topics.SENSOR_READINGS.name(), Topics.TEXT_EVENTS.name());
        topology.addSink("out", PASSTHROUGH_OUT.name(), new ByteArraySerializer(), new ByteArraySerializer(), "in");
        return topology;
    }

    /** Runs {@code topology} from the beginning of the input until its committed offsets reach the end; records/s. */
    private static double run(String name, Topology topology, String bootstrap, Path dataDir, Admin admin, long records)
            throws Exception {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "bench-" + name);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        props.put(StreamsConfig.STATE_DIR_CONFIG, dataDir.resolve("state").toString());
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 32L << 20);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put(StreamsConfig.consumerPrefix("max.poll.records"), 2000);

        List<TopicPartition> inputs = List.of(Topics.SENSOR_READINGS, Topics.TEXT_EVENTS).stream()
                .flatMap(t -> java.util.stream.IntStream.range(0, t.partitions()).mapToObj(p -> new TopicPartition(t.name(), p)))
                .toList();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        inputs.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(latest).all().get().forEach((tp, info) -> ends.put(tp, info.offset()));

        KafkaStreams streams = new KafkaStreams(topology, props);
        java.util.concurrent.CountDownLatch isRunning = new java.util.concurrent.CountDownLatch(1);
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                isRunning.countDown();
            }
        });
        streams.start();
        long started = System.nanoTime();
        isRunning.await();
        long running = System.nanoTime();
        long deadline = running + Duration.ofHours(1).toNanos();
        while (!caughtUp(admin, "bench-" + name, ends)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("bench ingest: " + name + " did not catch up within an hour");
            }
            Thread.sleep(100);
        }
        double seconds = (System.nanoTime() - running) / 1e9;
        streams.close(Duration.ofSeconds(60));
        double rate = records / seconds;
        System.out.printf("bench ingest: %-14s %d records in %.1f s (startup %.1f s): %.0f records/s%n", name, records,
                seconds, (running - started) / 1e9, rate);
        return rate;
    }

    private static boolean caughtUp(Admin admin, String group, Map<TopicPartition, Long> ends) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get();
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            OffsetAndMetadata offset = committed.get(end.getKey());
            if (end.getValue() > 0 && (offset == null || offset.offset() < end.getValue())) {
                return false;
            }
        }
        return true;
    }
}
