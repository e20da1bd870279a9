package dev.streamcast.loadtest;

import dev.streamcast.contracts.topics.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;

/**
 * The baseline: an identity Kafka Streams topology from the pipeline's input topics to
 * {@code load-test-passthrough}, configured as the services are (exactly_once_v2, one stream
 * thread, commit every 100 ms), run as its own JVM like them. Whatever it reaches on this
 * machine is the ceiling for any Kafka Streams stage.
 *
 * <p>{@code PassThroughApp <bootstrap servers> <state dir> <ready file>}: the ready file is
 * written once the stream is RUNNING; SIGTERM closes it cleanly.
 */
public final class PassThroughApp {

    public static final String OUTPUT = "load-test-passthrough";
    public static final String APPLICATION_ID = "load-test-passthrough";
    /** System properties {@code passthrough.streams.<name>=<value>} override Kafka Streams settings, as the services' kafka-streams.* do. */
    public static final String OVERRIDE_PREFIX = "passthrough.streams.";

    private PassThroughApp() {
    }

    public static Topology topology() {
        Topology topology = new Topology();
        topology.addSource("in", new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                Topics.SENSOR_READINGS.name(), Topics.TEXT_EVENTS.name());
        topology.addSink("out", OUTPUT, new ByteArraySerializer(), new ByteArraySerializer(), "in");
        return topology;
    }

    /**
     * Runs {@code streams} in a JVM of its own until it stops: {@code ready} is written once it is
     * RUNNING (the harness waits for it), and SIGTERM closes it cleanly. Every baseline app runs so.
     */
    public static void runUntilStopped(KafkaStreams streams, Path ready) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                try {
                    Files.writeString(ready, "RUNNING\n");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            } else if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                stopped.countDown();
            }
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> streams.close(Duration.ofSeconds(30)), "streams-stop"));
        streams.start();
        stopped.await();
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: PassThroughApp <bootstrap servers> <state dir> <ready file>");
            System.exit(2);
        }
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(StreamsConfig.STATE_DIR_CONFIG, args[1]);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        // it starts after the pipeline's part of the run: only records written from now on are its input
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "latest");
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
        System.getProperties().stringPropertyNames().stream().filter(n -> n.startsWith(OVERRIDE_PREFIX))
                .forEach(n -> props.put(n.substring(OVERRIDE_PREFIX.length()), System.getProperty(n)));
        runUntilStopped(new KafkaStreams(topology(), props), Path.of(args[2]));
    }
}
