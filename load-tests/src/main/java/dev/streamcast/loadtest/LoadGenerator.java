package dev.streamcast.loadtest;

import dev.streamcast.contracts.topics.Topics;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Sends the records of a {@link Schedule} open-loop: record n of a run is sent when it is due
 * by its {@link RateProfile}, not when the previous one was acknowledged. A sender that falls
 * behind sends at once until it has caught up, and how late each record left is recorded
 * ({@link Run#sendDelay()}), so a run whose own sender could not keep the schedule says so.
 */
public final class LoadGenerator implements AutoCloseable {

    private static final String[] TEXTS = {
            "routine inspection, all readings nominal",
            "alarm: oil temperature above threshold",
            "alarm cleared after fan restart",
            "maintenance window scheduled for the cooling unit",
            "trip on feeder 3, load transferred",
            "fault indicator reset by the operator"};

    /**
     * The producer's linger: a gateway's batching, not a device's record at a time. Every produce
     * request costs the broker, which shares the machine with the services (load-tests/README.md, "The load").
     */
    static final int LINGER_MS = 20;
    /** Records are sent in ticks of this length, each at most a tick after it was due (recorded, see {@link Run#sendDelay()}). */
    static final long TICK_NANOS = 1_000_000;

    private final Schedule schedule;
    private final KafkaProducer<byte[], byte[]> producer;
    private final byte[][] keys;

    public LoadGenerator(String bootstrapServers, Schedule schedule) {
        this.schedule = schedule;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, LINGER_MS,
                ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024,
                ProducerConfig.BUFFER_MEMORY_CONFIG, 128L << 20,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "none",
                ProducerConfig.CLIENT_ID_CONFIG, "load-generator"),
                new ByteArraySerializer(), new ByteArraySerializer());
        this.keys = new byte[schedule.entities()][];
        for (int e = 0; e < keys.length; e++) {
            keys[e] = Schedule.entityId(e).getBytes(StandardCharsets.UTF_8);
        }
    }

    /** One open-loop run: the records [first, first + count) at the profile's times from {@code startNanos}. */
    public final class Run {
        private final long first;
        private final long count;
        private final RateProfile profile;
        private final long startNanos;
        private final long startEpochMicros;
        private final AtomicLong sent = new AtomicLong();
        private final AtomicLong acked = new AtomicLong();
        private final AtomicLong failed = new AtomicLong();
        private final AtomicReference<Exception> firstError = new AtomicReference<>();
        private final AtomicLongArray sentPerSecond;
        private final Histogram sendDelay = new Histogram(3_600_000_000L, 3);
        private final CountDownLatch done = new CountDownLatch(1);
        private volatile boolean stop;

        private Run(long first, long count, RateProfile profile, double seconds) {
            this.first = first;
            this.count = count;
            this.profile = profile;
            this.sentPerSecond = new AtomicLongArray((int) Math.ceil(seconds) + 1);
            this.startNanos = System.nanoTime();
            this.startEpochMicros = epochMicros();
        }

        /** When record {@code index} was due, in microseconds since the epoch. */
        public long dueEpochMicros(long index) {
            return startEpochMicros + profile.dueNanos(index - first) / 1000;
        }

        public boolean covers(long index) {
            return index >= first && index < first + count;
        }

        public long first() {
            return first;
        }

        /** One past the last index this run sends. */
        public long end() {
            return first + count;
        }

        public long startEpochMicros() {
            return startEpochMicros;
        }

        public long sent() {
            return sent.get();
        }

        public long acked() {
            return acked.get();
        }

        public long failed() {
            return failed.get();
        }

        public Exception firstError() {
            return firstError.get();
        }

        /** Records sent in each second of the run. */
        public long[] sentPerSecond() {
            long[] copy = new long[sentPerSecond.length()];
            for (int i = 0; i < copy.length; i++) {
                copy[i] = sentPerSecond.get(i);
            }
            return copy;
        }

        /** How late records left, in µs (read once the run is done). */
        public Histogram sendDelay() {
            return sendDelay;
        }

        /** Waits until every record is sent and acknowledged (or failed). */
        public boolean await(long timeout, TimeUnit unit) throws InterruptedException {
            return done.await(timeout, unit);
        }

        public void stop() {
            stop = true;
        }

        private void send() {
            StringBuilder json = new StringBuilder(64 + 24 * schedule.channels());
            int perRound = schedule.recordsPerRound();
            long round = schedule.round(first);
            int position = (int) (first - round * perRound);
            int entity = entityAt(position);
            int textOfEntity = position - schedule.position(entity); // 0: the reading, then its texts
            long ts = schedule.eventTime(round);
            try {
                for (long n = 0; n < count && !stop; n++) {
                    long due = startNanos + profile.dueNanos(n);
                    long now = System.nanoTime();
                    if (due - now > 20_000) {
                        // wakes at the end of the due time's tick and sends every record due by then: a wake-up
                        // per record cost a park and a context switch each, on the cores the services run on
                        long tickEnd = startNanos + ((due - startNanos) / TICK_NANOS + 1) * TICK_NANOS;
                        LockSupport.parkNanos(tickEnd - now);
                        now = System.nanoTime();
                    }
                    sendDelay.recordValue(Math.max(0, now - due) / 1000);
                    int p = schedule.partitionOf(entity);
                    byte[] value;
                    String topic;
                    if (textOfEntity == 0) {
                        topic = Topics.SENSOR_READINGS.name();
                        value = reading(json, entity, round, ts);
                    } else {
                        topic = Topics.TEXT_EVENTS.name();
                        value = text(json, entity, round, textOfEntity, ts);
                    }
                    producer.send(new ProducerRecord<>(topic, p, ts, keys[entity], value), (metadata, error) -> {
                        if (error == null) {
                            acked.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                            firstError.compareAndSet(null, error);
                        }
                    });
                    sent.incrementAndGet();
                    int second = (int) ((now - startNanos) / 1_000_000_000L);
                    if (second < sentPerSecond.length()) {
                        sentPerSecond.incrementAndGet(second);
                    }
                    // next record
                    if (textOfEntity < schedule.textsOf(entity)) {
                        textOfEntity++;
                    } else {
                        textOfEntity = 0;
                        if (++entity == schedule.entities()) {
                            entity = 0;
                            round++;
                            ts = schedule.eventTime(round);
                        }
                    }
                }
                producer.flush();
            } catch (RuntimeException e) {
                firstError.compareAndSet(null, e);
            } finally {
                done.countDown();
            }
        }
    }

    /** Starts sending the records [first, first + the profile's count in {@code seconds}) on a new thread. */
    public Run start(long first, RateProfile profile, double seconds) {
        long count = profile.countBy(seconds);
        Run run = new Run(first, count, profile, seconds);
        Thread thread = new Thread(run::send, "load-generator");
        thread.setDaemon(true);
        thread.start();
        return run;
    }

    /** The entity whose reading or texts sit at {@code position} of a round. */
    int entityAt(int position) {
        int lo = 0;
        int hi = schedule.entities() - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (schedule.position(mid) <= position) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /** A smooth daily cycle per entity and channel with a little deterministic noise, in the readings' units. */
    public static double value(int entity, int channel, long round) {
        double phase = entity * 0.37 + channel * 1.3;
        long h = (entity * 0x9E3779B97F4A7C15L) ^ (round * 0xC2B2AE3D27D4EB4FL) ^ channel;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 32;
        double noise = ((h & 0xFFFF) / 65536.0 - 0.5) * 0.5;
        return 50 + 10 * Math.sin(2 * Math.PI * round / 24.0 + phase) + channel + noise;
    }

    private byte[] reading(StringBuilder json, int entity, long round, long ts) {
        json.setLength(0);
        json.append("{\"ts\":").append(ts).append(",\"values\":{");
        for (int c = 0; c < schedule.channels(); c++) {
            if (c > 0) {
                json.append(',');
            }
            json.append("\"c").append(c).append("\":").append(Math.round(value(entity, c, round) * 1000) / 1000.0);
        }
        return json.append("}}").toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] text(StringBuilder json, int entity, long round, int ordinal, long ts) {
        json.setLength(0);
        json.append("{\"ts\":").append(ts).append(",\"text\":\"")
                .append(TEXTS[(int) Math.floorMod(entity * 31L + round * 7 + ordinal, TEXTS.length)])
                .append("\",\"source\":\"load-test\"}");
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    static long epochMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(30));
    }
}
