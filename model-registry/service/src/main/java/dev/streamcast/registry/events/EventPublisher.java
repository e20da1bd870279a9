package dev.streamcast.registry.events;

import dev.streamcast.registry.store.RegistryStore;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sends the outbox to {@code model-events}, keyed by model name, in the order the transactions
 * committed, and deletes each event once the broker has acknowledged it (acks=all, idempotent
 * producer). One thread does it: {@link #wake()} after a commit, and a poll every interval for what
 * a restart or a broker outage left. Delivery is at least once; an event can be sent twice only if
 * the registry stops between the acknowledgement and the delete, which is harmless because every
 * event carries the whole alias table.
 *
 * <p>The producer connects with the client settings it is given (the broker, and for a secured one
 * {@code security.protocol}, {@code sasl.*}, {@code ssl.*}: {@code KAFKA_*} variables, see
 * {@code RegistryBeans}); they may also change its timeouts, but not {@code acks=all} and
 * idempotence, which the delete after acknowledgement relies on.
 */
public final class EventPublisher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EventPublisher.class);
    private static final int BATCH = 500;

    private final RegistryStore store;
    private final String topic;
    private final Duration pollInterval;
    private final Producer<String, byte[]> producer;
    private final Object signal = new Object();
    private final Thread thread;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>();
    private volatile boolean running = true;
    private boolean woken;

    /** {@code client}: the producer settings that reach the broker, {@code bootstrap.servers} at least. */
    public EventPublisher(RegistryStore store, Map<String, Object> client, String topic, Duration pollInterval) {
        this.store = store;
        this.topic = topic;
        this.pollInterval = pollInterval;
        this.producer = new KafkaProducer<>(producerConfig(client), new StringSerializer(), new ByteArraySerializer());
        this.thread = new Thread(this::loop, "model-events-publisher");
        this.thread.setDaemon(true);
    }

    /** The publisher's own settings, then {@code client}'s, then the two that at-least-once delivery rests on. */
    public static Map<String, Object> producerConfig(Map<String, Object> client) {
        Map<String, Object> config = new HashMap<>(Map.of(
                ProducerConfig.CLIENT_ID_CONFIG, "streamcast-registry",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 10_000));
        config.putAll(client);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return config;
    }

    public void start() {
        thread.start();
    }

    /** Something was committed: publish now rather than at the next poll. */
    public void wake() {
        synchronized (signal) {
            woken = true;
            signal.notifyAll();
        }
    }

    public long published() {
        return published.get();
    }

    public long failures() {
        return failures.get();
    }

    /** The last delivery error, or null once a batch went out after it. */
    public String lastError() {
        return lastError.get();
    }

    private void loop() {
        while (running) {
            try {
                if (!publishPending()) {
                    synchronized (signal) {
                        if (!woken && running) {
                            signal.wait(pollInterval.toMillis());
                        }
                        woken = false;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                failures.incrementAndGet();
                lastError.set(e.toString());
                LOG.warnf("model events: %s; retrying in %s", e, pollInterval);
                sleep(pollInterval);
            }
        }
    }

    /** Sends one batch; true when the batch was full (more may be waiting). */
    boolean publishPending() throws InterruptedException {
        List<RegistryStore.PendingEvent> pending = store.pendingEvents(BATCH);
        if (pending.isEmpty()) {
            return false;
        }
        List<Future<RecordMetadata>> sent = new ArrayList<>(pending.size());
        for (RegistryStore.PendingEvent e : pending) {
            sent.add(producer.send(new ProducerRecord<>(topic, e.model(), e.payload())));
        }
        producer.flush();
        List<Long> acknowledged = new ArrayList<>();
        try {
            for (int i = 0; i < sent.size(); i++) {
                sent.get(i).get(30, TimeUnit.SECONDS);
                acknowledged.add(pending.get(i).id());
            }
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("could not publish to " + topic + ": " + e.getCause(), e);
        } finally {
            // what was acknowledged is out, even when a later one failed
            store.deleteEvents(acknowledged);
            published.addAndGet(acknowledged.size());
        }
        lastError.set(null);
        return pending.size() == BATCH;
    }

    private void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        running = false;
        wake();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(5));
    }
}
