package dev.streamcast.loadtest;

import dev.streamcast.contracts.json.Decoded;
import dev.streamcast.contracts.json.Encoding;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.Forecast;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.IntStream;

/**
 * Reads the output topic (committed records only) from its beginning and accounts for every
 * record: end-to-end latency, counts per second, per-entity order (gaps and duplicates) and,
 * for forecasts, the model version that made them.
 *
 * <p>Latency is the record's log append time (the topic is {@code LogAppendTime}) minus the
 * time its input was due to be sent. For a forecast, that input is the record that closed its
 * window (the first record of a later round in the entity's partition: only then may ingest
 * emit it); for a pass-through copy it is the copied reading itself. Outputs whose input was
 * due inside the current measurement interval are the measured ones; those of the trial's warm-up
 * are recorded apart, to be reported as the warm-up's.
 */
public final class OutputCollector implements AutoCloseable {

    /** How an output record maps back to its input. */
    public enum Kind {
        /** a forecast: entity from the key, window from {@code "origin"} */
        FORECAST,
        /** a copy of a reading: entity from the key, round from {@code "ts"} (text events are only counted) */
        COPY
    }

    private final Kind kind;
    private final Schedule schedule;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;
    private final int[] lastRound;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong counted = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong gaps = new AtomicLong();
    private final AtomicLong unreadable = new AtomicLong();
    private final Map<String, LongAdder> models = new ConcurrentHashMap<>();
    private final ConcurrentSkipListMap<Long, LongAdder> perSecond = new ConcurrentSkipListMap<>();
    private final AtomicReference<Exception> error = new AtomicReference<>();
    /**
     * Latencies are recorded up to an hour (µs; a later output counts as an hour): a fixed range,
     * so no histogram is resized while a trial runs (a path the JIT may not have compiled yet).
     */
    static final long MAX_LATENCY_MICROS = 3_600_000_000L;
    /** The phases of a trial, as indices of {@link #latencies} and {@link WindowCloses}' phases. */
    private static final int WARM_UP = 0;
    private static final int MEASURED = 1;
    private final Recorder interval = recorder();
    /** The warm-up's latencies at {@link #WARM_UP}, the measured ones at {@link #MEASURED}. */
    private final Recorder[] latencies = {recorder(), recorder()};
    private final WindowCloses closes = new WindowCloses();
    private volatile Measurement measurement;
    private volatile boolean running = true;

    /** The run whose inputs are measured, and the due-time interval (µs since the epoch) that counts. */
    public record Measurement(LoadGenerator.Run run, long fromMicros, long toMicros) {
    }

    private static Recorder recorder() {
        return new Recorder(MAX_LATENCY_MICROS, 3);
    }

    public OutputCollector(String bootstrapServers, String topic, int partitions, Kind kind, Schedule schedule) {
        this.kind = kind;
        this.schedule = schedule;
        this.lastRound = new int[schedule.entities()];
        Arrays.fill(lastRound, -1);
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                // Kafka's fetch wait: the broker answers a read_committed fetch as soon as a commit makes records
                // readable, so a shorter wait adds idle requests (on the services' cores), not precision
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                // each poll takes all a fetch brought (at most fetch.max.bytes), so the consumer's own fetch code sees
                // the same state in a window close's burst as between closes: with 5,000 records a poll, part of a
                // fetch stayed buffered in every close, a branch Kafka's fetch preparation never took between closes,
                // and the JIT threw that method's compiled code away and compiled it again in each measured close
                // (0.3 s of C2 in the harness JVM, beside the services under test)
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.MAX_VALUE,
                ConsumerConfig.CLIENT_ID_CONFIG, "load-test-collector-" + topic),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> assigned = IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p)).toList();
        consumer.assign(assigned);
        consumer.seekToBeginning(assigned);
        thread = new Thread(this::poll, "load-test-collector");
        thread.setDaemon(true);
        thread.start();
    }

    /** From now on, records outputs whose input was due in [from, to) of {@code run} (µs since the epoch). */
    public void measure(Measurement measurement) {
        this.measurement = measurement;
        for (Recorder r : latencies) {
            r.reset();
        }
        closes.reset();
    }

    /** The latencies (µs) recorded since {@link #measure}, handed over once (the recorder starts again). */
    public Histogram measuredLatency() {
        return latencies[MEASURED].getIntervalHistogram();
    }

    /** Per window, the forecasts recorded since {@link #measure} and the last of them; empty for copies. */
    public List<TrialResult.WindowClose> measuredCloses() {
        return closes.closes(MEASURED);
    }

    /** As {@link #measuredLatency}, for the outputs whose input was due before the measured interval (the warm-up). */
    public Histogram warmUpLatency() {
        return latencies[WARM_UP].getIntervalHistogram();
    }

    /** As {@link #measuredCloses}, for the forecasts whose input was due before the measured interval (the warm-up). */
    public List<TrialResult.WindowClose> warmUpCloses() {
        return closes.closes(WARM_UP);
    }

    /**
     * {@link #MEASURED} when {@code due} is in [from, to), else {@link #WARM_UP} (a trial sends
     * nothing after it), computed without a branch, so the measured side runs compiled from the
     * warm-up on. With an {@code if}, the JIT compiled only the warm-up's side, and in the first
     * measured window close the collector fell back to the interpreter and was compiled again, on
     * the cores the services under test were using.
     */
    static int phaseOf(long due, long fromMicros, long toMicros) {
        return (int) (((due - fromMicros) | (toMicros - 1 - due)) >>> 63) ^ 1;
    }

    /** Every latency (µs) since the last call, measured or not: one point of the latency-over-time series. */
    public Histogram intervalLatency() {
        return interval.getIntervalHistogram();
    }

    public long received() {
        return received.get();
    }

    /** Records that map to an input of the schedule (forecasts, or copies of readings and texts). */
    public long counted() {
        return counted.get();
    }

    public long duplicates() {
        return duplicates.get();
    }

    public long gaps() {
        return gaps.get();
    }

    public long unreadable() {
        return unreadable.get();
    }

    /** Records per model version ({@code name@version}); empty for copies. */
    public Map<String, Long> models() {
        Map<String, Long> copy = new java.util.TreeMap<>();
        models.forEach((model, n) -> copy.put(model, n.sum()));
        return copy;
    }

    /** Outputs per second of log append time (epoch seconds). */
    public Map<Long, Long> perSecond() {
        Map<Long, Long> copy = new java.util.TreeMap<>();
        perSecond.forEach((second, n) -> copy.put(second, n.sum()));
        return copy;
    }

    /** Entities whose outputs stop short of {@code expectedRounds(entity)} (missing at the end). */
    public long missingAtEnd(java.util.function.IntToLongFunction expectedRounds) {
        long missing = 0;
        for (int e = 0; e < lastRound.length; e++) {
            missing += Math.max(0, expectedRounds.applyAsLong(e) - (lastRound[e] + 1L));
        }
        return missing;
    }

    public Exception error() {
        return error.get();
    }

    private void poll() {
        try {
            while (running) {
                acceptAll(consumer.poll(Duration.ofMillis(100)));
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // closing
        } catch (Exception e) {
            error.compareAndSet(null, e);
        }
    }

    /**
     * One poll's records. A method of its own, called once per poll, so the JIT compiles it whole within
     * the warm-up; as a loop inside the collector's endless one it was compiled on stack replacement,
     * in the first measured close (0.28 s of C2).
     */
    private void acceptAll(ConsumerRecords<byte[], byte[]> records) {
        for (ConsumerRecord<byte[], byte[]> record : records) {
            accept(record);
        }
    }

    private void accept(ConsumerRecord<byte[], byte[]> record) {
        received.incrementAndGet();
        if (record.timestampType() != TimestampType.LOG_APPEND_TIME) {
            throw new IllegalStateException("topic " + record.topic() + " must use LogAppendTime for end-to-end latency, found "
                    + record.timestampType());
        }
        int entity = Schedule.entityIndex(record.key());
        byte[] value = record.value();
        if (entity < 0 || entity >= lastRound.length || value == null) {
            unreadable.incrementAndGet();
            return;
        }
        long inputIndex;
        int round;
        if (kind == Kind.FORECAST && Encoding.of(value) == Encoding.BINARY) {
            Decoded<Forecast> forecast = Codecs.FORECAST_BINARY.decode(value);
            if (!forecast.isOk()) {
                unreadable.incrementAndGet();
                return;
            }
            round = (int) schedule.roundOfWindow(forecast.value().origin());
            inputIndex = schedule.closingIndex(entity, round);
            models.computeIfAbsent(forecast.value().model(), m -> new LongAdder()).increment();
        } else if (kind == Kind.FORECAST) {
            long origin = longField(value, "\"origin\":");
            if (origin == Long.MIN_VALUE) {
                unreadable.incrementAndGet();
                return;
            }
            round = (int) schedule.roundOfWindow(origin);
            inputIndex = schedule.closingIndex(entity, round);
            String model = stringField(value, "\"model\":\"");
            if (model != null) {
                models.computeIfAbsent(model, m -> new LongAdder()).increment();
            }
        } else {
            if (indexOf(value, "\"values\":".getBytes(StandardCharsets.UTF_8)) < 0) { // a text event: counted only
                counted.incrementAndGet();
                perSecond.computeIfAbsent(record.timestamp() / 1000, s -> new LongAdder()).increment();
                return;
            }
            long ts = longField(value, "\"ts\":");
            round = (int) schedule.roundOfWindow(ts - schedule.windowMillis() / 2);
            inputIndex = schedule.readingIndex(entity, round);
        }
        counted.incrementAndGet();
        perSecond.computeIfAbsent(record.timestamp() / 1000, s -> new LongAdder()).increment();
        int last = lastRound[entity];
        if (round <= last) {
            duplicates.incrementAndGet();
        } else {
            if (round > last + 1) {
                gaps.addAndGet(round - last - 1L);
            }
            lastRound[entity] = round;
        }
        Measurement m = measurement;
        if (m != null && m.run().covers(inputIndex)) {
            long due = m.run().dueEpochMicros(inputIndex);
            long latency = Math.min(MAX_LATENCY_MICROS, Math.max(0, record.timestamp() * 1000 - due));
            interval.recordValue(latency);
            int phase = phaseOf(due, m.fromMicros(), m.toMicros());
            latencies[phase].recordValue(latency);
            if (kind == Kind.FORECAST) {
                closes.record(phase, round, latency);
            }
        }
    }

    /** The number after {@code name} (e.g. {@code "origin":}) in a JSON document, without parsing the rest. */
    static long longField(byte[] json, String name) {
        int at = indexOf(json, name.getBytes(StandardCharsets.UTF_8));
        if (at < 0) {
            return Long.MIN_VALUE;
        }
        int i = at + name.length();
        while (i < json.length && json[i] == ' ') {
            i++;
        }
        boolean negative = i < json.length && json[i] == '-';
        if (negative) {
            i++;
        }
        long value = 0;
        int digits = 0;
        while (i < json.length && json[i] >= '0' && json[i] <= '9' && digits < 19) {
            value = value * 10 + (json[i++] - '0');
            digits++;
        }
        return digits == 0 ? Long.MIN_VALUE : negative ? -value : value;
    }

    static String stringField(byte[] json, String prefix) {
        int at = indexOf(json, prefix.getBytes(StandardCharsets.UTF_8));
        if (at < 0) {
            return null;
        }
        int start = at + prefix.length();
        int end = start;
        while (end < json.length && json[end] != '"') {
            end++;
        }
        return new String(json, start, end - start, StandardCharsets.UTF_8);
    }

    static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
        consumer.close(Duration.ofSeconds(5));
    }
}
