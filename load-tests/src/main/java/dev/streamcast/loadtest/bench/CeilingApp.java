package dev.streamcast.loadtest.bench;

import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.loadtest.PassThroughApp;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * The forecaster's ceiling in {@code bench forecaster}: a Kafka Streams application with the
 * forecaster's input, state store and output, and nothing else. Each record of {@code features}
 * reads its entity's state from a cached, changelogged RocksDB store and writes back as many bytes
 * as the forecaster's state had at that step ({@code stateBytes}: the entity's k-th record writes
 * its k-th entry, the last one from then on); once the entity has had {@code warmUp} records (the
 * forecaster's warm-up, before which it forecasts nothing) it writes {@code outputBytes} bytes to
 * its output topic. No decoding, no model, no forecasting logic: what is left is the cost of Kafka Streams
 * moving the same bytes, the most any forecaster on this machine could reach.
 *
 * <p>{@code CeilingApp <bootstrap> <application id> <state dir> <output topic> <state bytes> <output bytes>
 * <warm-up> <ready file>}, the state bytes one number or one per step, separated by commas; Kafka Streams settings as the forecaster's {@code application.properties}
 * sets them, overridden by system properties {@code ceiling.streams.<name>=<value>} as the
 * forecaster's are by {@code kafka-streams.<name>}. The ready file is written once RUNNING; SIGTERM
 * closes it cleanly.
 */
public final class CeilingApp {

    /** System properties {@code ceiling.streams.<name>=<value>} override Kafka Streams settings. */
    public static final String OVERRIDE_PREFIX = "ceiling.streams.";
    static final String STORE = "entity-state";

    private CeilingApp() {
    }

    public static Topology topology(String output, int[] stateBytes, int outputBytes, int warmUp) {
        if (stateBytes.length == 0) {
            throw new IllegalArgumentException("the state's size at one step at least, got none");
        }
        Topology topology = new Topology();
        topology.addSource("in", new ByteArrayDeserializer(), new ByteArrayDeserializer(), Topics.FEATURES.name());
        topology.addProcessor("step", () -> new Step(stateBytes, outputBytes, warmUp), "in");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.ByteArray(),
                Serdes.ByteArray()).withCachingEnabled(), "step");
        topology.addSink("out", output, new ByteArraySerializer(), new ByteArraySerializer(), "step");
        return topology;
    }

    /** Reads the state, writes it back one record older, and forwards fixed-size output after the warm-up. */
    static final class Step implements Processor<byte[], byte[], byte[], byte[]> {
        private final int[] stateBytes;
        private final int outputBytes;
        private final int warmUp;
        private KeyValueStore<byte[], byte[]> store;
        private ProcessorContext<byte[], byte[]> context;

        Step(int[] stateBytes, int outputBytes, int warmUp) {
            this.stateBytes = stateBytes.clone();
            for (int i = 0; i < this.stateBytes.length; i++) {
                this.stateBytes[i] = Math.max(Integer.BYTES, stateBytes[i]); // room for the record count
            }
            this.outputBytes = outputBytes;
            this.warmUp = warmUp;
        }

        @Override
        public void init(ProcessorContext<byte[], byte[]> context) {
            this.context = context;
            this.store = context.getStateStore(STORE);
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            byte[] previous = store.get(record.key());
            int records = previous == null ? 1 : ByteBuffer.wrap(previous).getInt() + 1;
            byte[] state = new byte[stateBytes[Math.min(records, stateBytes.length) - 1]];
            ByteBuffer.wrap(state).putInt(records);
            store.put(record.key(), state);
            if (records >= warmUp) {
                context.forward(record.withValue(new byte[outputBytes]));
            }
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 8) {
            System.err.println("usage: CeilingApp <bootstrap> <application id> <state dir> <output topic> <state bytes>"
                    + " <output bytes> <warm-up> <ready file>");
            System.exit(2);
        }
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, args[1]);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(StreamsConfig.STATE_DIR_CONFIG, args[2]);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        ForecasterStreamsSettings.load().forEach(props::put);
        System.getProperties().stringPropertyNames().stream().filter(n -> n.startsWith(OVERRIDE_PREFIX))
                .forEach(n -> props.put(n.substring(OVERRIDE_PREFIX.length()), System.getProperty(n)));
        PassThroughApp.runUntilStopped(new KafkaStreams(topology(args[3], sizes(args[4]), Integer.parseInt(args[5]),
                Integer.parseInt(args[6])), props), Path.of(args[7]));
    }

    /** {@code "834"} or {@code "610,642,...,834"}: the state's bytes at each step, the last for every step after. */
    static int[] sizes(String list) {
        return Arrays.stream(list.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
    }

    /** {@link #sizes}'s form of {@code bytes}. */
    static String sizesArgument(int[] bytes) {
        return Arrays.stream(bytes).mapToObj(String::valueOf).collect(Collectors.joining(","));
    }
}
