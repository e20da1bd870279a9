package dev.streamcast.forecaster.model;

import dev.streamcast.contracts.json.Decoded;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.ModelEvent;
import dev.streamcast.contracts.topics.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Keeps the slots' models current, on its own thread: first each slot's alias as the bundle
 * source resolves it, then every {@code model-events} record of the served model. The topic is
 * read from the beginning (it is compacted and every event carries the whole alias table), so
 * after catching up the watcher knows the current aliases even if the registry is unreachable;
 * each change of a served alias loads the version it now points to. While a slot has no model
 * the alias is looked up again every {@code retryInterval}.
 *
 * <p>An unexpected failure (a bug, or a Kafka error the consumer does not recover from) does not end
 * the watcher: it is logged, counted, shown by {@link #problem()} (and so by readiness) and the
 * watcher starts over after {@code retryInterval}, from the alias lookup, with a new consumer.
 *
 * <p>It connects as the stream does ({@link #connection}): a broker that needs TLS and SASL for the
 * stream needs them for the watcher too.
 */
public final class ModelWatcher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ModelWatcher.class);

    private final Map<String, Object> connection;
    private final List<ModelSlot> slots;
    private final Duration retryInterval;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile String problem;
    private volatile int restarts;

    /** {@code connection}: the consumer settings that reach the broker, {@link #connection} of the stream's. */
    public ModelWatcher(Map<String, Object> connection, List<ModelSlot> slots, Duration retryInterval) {
        this.connection = Map.copyOf(connection);
        this.slots = List.copyOf(slots);
        this.retryInterval = retryInterval;
        this.thread = new Thread(this::run, "model-watcher");
        this.thread.setDaemon(true);
    }

    /**
     * The stream's own connection: its bootstrap servers and every {@code security.*}, {@code sasl.*}
     * and {@code ssl.*} setting it was given (from {@code quarkus.kafka-streams.security-protocol} and
     * its neighbours, or {@code kafka-streams.*}).
     */
    public static Map<String, Object> connection(StreamsConfig streams) {
        Map<String, Object> connection = new HashMap<>();
        connection.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, String.join(",", streams.getList(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG)));
        streams.originals().forEach((name, value) -> {
            if (name.startsWith("security.") || name.startsWith("sasl.") || name.startsWith("ssl.")) {
                connection.put(name, value);
            }
        });
        return connection;
    }

    public void start() {
        thread.start();
    }

    private void run() {
        while (running) {
            try {
                watch();
            } catch (RuntimeException e) {
                restarts++;
                problem = "the model watcher failed (" + e + ") and restarts in " + retryInterval + " (restart " + restarts + ")";
                LOG.error(problem + "; swaps do not follow model-events until it has", e);
                try {
                    Thread.sleep(retryInterval.toMillis());
                } catch (InterruptedException stop) {
                    return;
                }
            }
        }
    }

    /** Why swaps may not follow model-events now (the watcher failed and is restarting), or null. */
    public String problem() {
        return problem;
    }

    /** How often the watcher started over after a failure. */
    public int restarts() {
        return restarts;
    }

    private void watch() {
        slots.forEach(ModelSlot::loadFromAlias);
        Properties p = new Properties();
        p.putAll(connection);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "forecaster-model-watcher");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        long nextRetry = System.nanoTime() + retryInterval.toNanos();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer = c;
            problem = null; // (running again)
            Map<String, Long> aliases = null;
            ModelEvent last = null;
            boolean assigned = false;
            boolean caughtUp = false;
            while (running) {
                if (!assigned) {
                    assigned = assign(c);
                }
                boolean changed = false;
                if (assigned) {
                    for (ConsumerRecord<byte[], byte[]> record : c.poll(Duration.ofMillis(250))) {
                        Decoded<ModelEvent> event = Codecs.MODEL_EVENT.decode(record.value());
                        if (!event.isOk()) {
                            LOG.warnf("model-events %d@%d is not a model event: %s", record.partition(), record.offset(), event.error());
                            continue;
                        }
                        if (event.value().model().equals(slots.get(0).modelName())) {
                            last = event.value();
                            aliases = new HashMap<>(last.aliases());
                            changed = true;
                        }
                    }
                } else {
                    Thread.sleep(250);
                }
                if (assigned && (changed || !caughtUp)) {
                    caughtUp = caughtUp(c);
                }
                if (aliases != null && (changed || caughtUp)) {
                    for (ModelSlot slot : slots) {
                        slot.noteAlias(aliases.getOrDefault(slot.alias(), -1L), caughtUp);
                    }
                }
                if (changed) {
                    for (ModelSlot slot : slots) {
                        Long version = aliases.get(slot.alias());
                        if (version == null) {
                            if (slot.current() != null) {
                                LOG.warnf("%s: alias %s of %s was removed; %s keeps serving", slot.role(), slot.alias(),
                                        slot.modelName(), slot.current().ref());
                            }
                            continue;
                        }
                        slot.load(version, version == last.version() ? last.sha256() : null);
                    }
                }
                if (System.nanoTime() > nextRetry) {
                    nextRetry = System.nanoTime() + retryInterval.toNanos();
                    for (ModelSlot slot : slots) {
                        if (slot.current() == null) {
                            slot.loadFromAlias();
                        }
                    }
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (InterruptedException e) {
            running = false;
        }
    }

    /** Whether the watcher has read model-events to its current end. */
    private static boolean caughtUp(KafkaConsumer<byte[], byte[]> c) {
        Map<TopicPartition, Long> end = c.endOffsets(c.assignment(), Duration.ofSeconds(5));
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (c.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private boolean assign(KafkaConsumer<byte[], byte[]> c) {
        List<PartitionInfo> infos = c.partitionsFor(Topics.MODEL_EVENTS.name(), Duration.ofSeconds(5));
        if (infos == null || infos.isEmpty()) {
            return false;
        }
        List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        c.assign(partitions);
        c.seekToBeginning(partitions);
        return true;
    }

    @Override
    public void close() {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
