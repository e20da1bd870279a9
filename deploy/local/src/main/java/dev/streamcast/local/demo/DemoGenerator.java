package dev.streamcast.local.demo;

import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.TextEvent;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.contracts.cli.Options;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Streams {@link DemoSignals} to {@code sensor-readings} and {@code text-events}: first an
 * optional backfill of history as fast as the broker takes it, then live readings every
 * {@code interval} of simulated time, paced against the wall clock ({@code speed} 1 means
 * timestamps follow the real clock).
 */
public final class DemoGenerator implements Runnable {

    public record Settings(int entities, Duration interval, double speed, Duration backfill, long seed,
                           double anomalyProbability, double noteProbability, double faultsPerHour) {
        public Settings {
            if (entities < 1) {
                throw new IllegalArgumentException("entities must be at least 1, got " + entities);
            }
            if (interval.toMillis() < 1) {
                throw new IllegalArgumentException("interval must be at least 1 ms, got " + interval);
            }
            if (!(speed > 0)) {
                throw new IllegalArgumentException("speed must be positive, got " + speed);
            }
        }

        public static Settings defaults() {
            return new Settings(8, Duration.ofMillis(250), 1.0, Duration.ZERO, 42L, 1.0 / 480, 1.0 / 400, 1.0);
        }
    }

    private final String bootstrapServers;
    private final Settings settings;
    private final AtomicLong sensorAcked = new AtomicLong();
    private final AtomicLong textAcked = new AtomicLong();
    private final AtomicLong firstAckMillis = new AtomicLong();
    private final AtomicReference<Exception> sendError = new AtomicReference<>();
    private final CountDownLatch done = new CountDownLatch(1);
    private final CountDownLatch liveLatch = new CountDownLatch(1);
    private volatile boolean stopping;

    private volatile boolean live;
    private volatile Duration driftAfter;

    public DemoGenerator(String bootstrapServers, Settings settings) {
        this.bootstrapServers = bootstrapServers;
        this.settings = settings;
    }

    /** The plant drifts ({@link DemoSignals#driftFrom}) this long of wall time after the generator starts; set before. */
    public void driftAfter(Duration after) {
        this.driftAfter = after;
    }

    @Override
    public void run() {
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 5,
                // one request in flight: a batch retried after a leader change (the topics are new) cannot land behind
                // later ones, which the broker answers with OutOfOrderSequenceException on every retry until the
                // batch expires (seen when the generator started right after topic creation on a busy machine)
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1,
                ProducerConfig.CLIENT_ID_CONFIG, "streamcast-demo-generator");
        DemoSignals signals = new DemoSignals(settings.entities(), settings.seed(),
                settings.anomalyProbability(), settings.noteProbability());
        signals.faults(settings.faultsPerHour());
        long intervalMillis = settings.interval().toMillis();
        long now = System.currentTimeMillis();
        if (driftAfter != null) { // live timestamps run at speed x the wall clock from now on
            signals.driftFrom(now + (long) (driftAfter.toMillis() * settings.speed()));
        }
        long ts = (now - settings.backfill().toMillis()) / intervalMillis * intervalMillis;
        try (KafkaProducer<String, byte[]> producer =
                     new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
            while (!stopping && ts < now) {
                send(producer, signals, ts);
                ts += intervalMillis;
            }
            producer.flush();
            live = true;
            liveLatch.countDown();
            long periodNanos = (long) (intervalMillis * 1_000_000L / settings.speed());
            long nextTick = System.nanoTime();
            while (!stopping) {
                send(producer, signals, ts);
                ts += intervalMillis;
                nextTick += periodNanos;
                long wait;
                while (!stopping && (wait = nextTick - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(Math.min(wait, 100_000_000L));
                }
            }
            producer.flush();
        } catch (RuntimeException e) {
            sendError.compareAndSet(null, e);
        } finally {
            liveLatch.countDown(); // an end before going live wakes awaitLive too
            done.countDown();
        }
    }

    private void send(KafkaProducer<String, byte[]> producer, DemoSignals signals, long ts) {
        Exception failure = sendError.get();
        if (failure != null) {
            throw new IllegalStateException("the broker refused a demo record: " + failure.getMessage(), failure);
        }
        for (DemoSignals.Step step : signals.next(ts)) {
            producer.send(new ProducerRecord<>(Topics.SENSOR_READINGS.name(), null, ts, step.entity(),
                    Codecs.SENSOR_READING.encode(step.reading())), acked(sensorAcked));
            for (TextEvent text : step.texts()) {
                producer.send(new ProducerRecord<>(Topics.TEXT_EVENTS.name(), null, ts, step.entity(),
                        Codecs.TEXT_EVENT.encode(text)), acked(textAcked));
            }
        }
    }

    private Callback acked(AtomicLong counter) {
        return (metadata, exception) -> {
            if (exception != null) {
                sendError.compareAndSet(null, exception);
            } else {
                counter.incrementAndGet();
                firstAckMillis.compareAndSet(0, System.currentTimeMillis());
            }
        };
    }

    /** True once the backfilled history has been sent and acknowledged and live readings flow. */
    public boolean live() {
        return live;
    }

    /** Waits until {@link #live()} or the generator has ended (its {@link #error()} then says why); true when live. */
    public boolean awaitLive(Duration timeout) throws InterruptedException {
        liveLatch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return live;
    }

    /** Stops after the current step, flushes and waits until every sent record is acknowledged. */
    public void stop(Duration timeout) throws InterruptedException {
        stopping = true;
        done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public long sensorAcked() {
        return sensorAcked.get();
    }

    public long textAcked() {
        return textAcked.get();
    }

    /** Wall-clock time of the first acknowledged record, or 0 before it. */
    public long firstAckMillis() {
        return firstAckMillis.get();
    }

    /** The first send failure, if any: the generator stops on it. */
    public Exception error() {
        return sendError.get();
    }

    /** {@code ./streamcast generate}: streams demo data to a running broker until Ctrl-C or --duration-s. */
    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args, optionDefaults(Map.of("--bootstrap-servers", "127.0.0.1:9092",
                "--duration-s", "0")), "generate");
        Settings settings = settingsFrom(options);
        DemoGenerator generator = new DemoGenerator(options.get("--bootstrap-servers"), settings);
        Thread thread = new Thread(generator, "demo-generator");
        thread.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                generator.stop(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            System.out.printf("streamcast generate: sent %s=%d %s=%d%n", Topics.SENSOR_READINGS.name(),
                    generator.sensorAcked(), Topics.TEXT_EVENTS.name(), generator.textAcked());
        }, "generator-shutdown"));
        long duration = options.getLong("--duration-s", 0, Long.MAX_VALUE);
        System.out.println("streamcast generate: streaming " + settings.entities() + " entities to " + options.get("--bootstrap-servers")
                + (duration > 0 ? " for " + duration + " s" : " until Ctrl-C") + " (started " + Instant.now() + ")");
        thread.join(duration > 0 ? duration * 1000 : 0);
        if (generator.error() != null) {
            System.err.println("streamcast generate: " + generator.error().getMessage());
            System.exit(1);
        }
        System.exit(0);
    }

    /**
     * The generator's own options, with their defaults, merged with a command's extra ones; an extra one of the same
     * name sets that command's own default.
     */
    public static Map<String, String> optionDefaults(Map<String, String> extra) {
        Settings d = Settings.defaults();
        Map<String, String> options = new java.util.LinkedHashMap<>();
        options.put("--entities", String.valueOf(d.entities()));
        options.put("--interval-ms", String.valueOf(d.interval().toMillis()));
        options.put("--speed", String.valueOf(d.speed()));
        options.put("--backfill-hours", "0");
        options.put("--seed", String.valueOf(d.seed()));
        options.put("--anomaly-probability", String.valueOf(d.anomalyProbability()));
        options.put("--note-probability", String.valueOf(d.noteProbability()));
        options.put("--faults-per-hour", String.valueOf(d.faultsPerHour()));
        options.putAll(extra);
        return options;
    }

    public static Settings settingsFrom(Options options) {
        return new Settings(
                (int) options.getLong("--entities", 1, 1_000_000),
                Duration.ofMillis(options.getLong("--interval-ms", 1, 86_400_000L)),
                options.getDouble("--speed", 1e-3, 1e6),
                Duration.ofHours(options.getLong("--backfill-hours", 0, 24L * 366 * 5)),
                options.getLong("--seed", Long.MIN_VALUE, Long.MAX_VALUE),
                options.getDouble("--anomaly-probability", 0, 1),
                options.getDouble("--note-probability", 0, 1),
                options.getDouble("--faults-per-hour", 0, 3600));
    }
}
