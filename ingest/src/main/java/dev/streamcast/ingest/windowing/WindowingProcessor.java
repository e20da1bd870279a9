package dev.streamcast.ingest.windowing;

import dev.streamcast.contracts.deadletter.DeadLetter;
import dev.streamcast.contracts.deadletter.DeadLetterReason;
import dev.streamcast.contracts.json.Decoded;
import dev.streamcast.contracts.json.Codec;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.EntityKey;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.records.SensorReading;
import dev.streamcast.contracts.records.TextEvent;
import dev.streamcast.contracts.state.UnreadableStateException;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.ingest.IngestSettings;
import dev.streamcast.streams.PreCommitStore;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Validates sensor readings and text events, aggregates them per entity into event-time
 * tumbling windows, and emits exactly one feature vector per active entity per window, in
 * window order, once the window has closed (end + grace reached by stream time).
 *
 * <p>Stream time is the largest accepted event timestamp of this task's sensor readings, kept in
 * a changelogged store so a restart resumes with it. Text events do not move it once the task has
 * seen a reading: they come from other producers through another topic, so under lag Kafka
 * Streams may hand a task text of a later window before readings of the current one, and that
 * text must not close windows the readings are still filling. A task that has seen no reading
 * yet (a text-only stream) takes its time from text events.
 *
 * <p>Windows are checked for closing whenever stream time crosses a window boundary, so an entity
 * that fell silent still gets its vectors while others keep time moving; a wall-clock punctuator
 * moves stream time on when no record that keeps time has come for longer than the grace period
 * (live streams), so windows close then too. A check reads at most {@code ingest.close-slice}
 * entities (in key order) per commit: when every entity's window closes at once, the vectors go out
 * slice by slice, each slice committed before the next is read, so the forecaster works on one while
 * ingest makes the next, instead of waiting for one transaction of them all. The check goes on at
 * the first record or punctuation after each commit, closing every entity by the stream time it
 * started at; once it has read every entity, the next check is due at the first boundary after that
 * time.
 *
 * <p>Closing writes no entity's state: which windows were emitted follows from the check's progress,
 * kept in the clock store ({@link #CLOSED_THROUGH_KEY}: every stored entity's windows closed by that
 * time are out; {@link #CHECK_PREFIX}: the check in progress, its time and the last entity it read).
 * An entity's state read from the store is caught up on that: the windows emitted since it was
 * written are taken out again as they were when emitted (the same deterministic steps, without
 * writing the vector), so what a record or the next check sees is what an eager write would have
 * stored. A close of 10^5 entities then writes the stream's progress once per slice instead of
 * 10^5 states to the store and its changelog; the entity's state is written with its next record.
 * A restart resumes a check a crash cut short from the last slice committed.
 *
 * <p>An entity's activity lasts while windows starting within the idle timeout of its last
 * record have not all closed; a record arriving in that time continues it (the gap is imputed),
 * a record after it starts the entity afresh.
 *
 * <p>State is written once per commit, not once per record: the entities a record changed are kept
 * (decoded) in {@link #dirty}, and the stream time in a field; the windows store's outermost layer
 * ({@link PreCommitStore}) writes both just before Kafka Streams flushes the stores for a commit, so
 * the store, its changelog and the input offsets still commit together. Closing windows writes the
 * changed entities first, as it reads every entity from the store. Without that layer (a store built
 * alone) every change is written at once.
 */
final class WindowingProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    private static final Logger LOG = Logger.getLogger(WindowingProcessor.class);

    static final String CLOCK_KEY = "stream-time";
    /** Present once the task has accepted a sensor reading: from then on only readings move stream time. */
    static final String READINGS_KEY = "readings-seen";
    /** The time by which every stored entity's closed windows are out (a finished check's time). */
    static final String CLOSED_THROUGH_KEY = "closed-through";
    /** The check in progress: this prefix and the last entity it read, its time as the value (one entry at most). */
    static final String CHECK_PREFIX = "check-read-up-to:";

    private final IngestSettings settings;
    private final FeatureLayout layout;
    private final IngestMetrics metrics;
    private final Codec<FeatureVector> vectors;
    private final long size;
    private final long grace;
    private final long idle;

    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<String, byte[]> windows;
    private KeyValueStore<String, Long> clock;
    private long streamTime = Long.MIN_VALUE;
    private long nextScanAt = Long.MIN_VALUE;
    /** The last entity the check in progress read (it goes on after it), or null when none is in progress. */
    private String checkedUpTo;
    /** The stream time the check in progress started at: it closes every entity's windows by this time. */
    private long checkStartedAt;
    /** {@link #checkedUpTo} in the store's key order (UTF-8 bytes), or null with it. */
    private byte[] checkedUpToBytes;
    /** The time by which every stored entity's closed windows are out ({@link #CLOSED_THROUGH_KEY}). */
    private long closedThrough = Long.MIN_VALUE;
    /** Whether a commit came since the check's last slice (always, without the pre-commit layer). */
    private boolean committedSinceSlice;
    private boolean readingsSeen;
    private long wallAtLastRecord; // wall time of the last record that keeps time (a reading, see the class comment)
    private long wallAtStreamTime;
    private boolean specPublished;
    private AtomicLong active;
    private String taskId;
    private final int[] imputed = new int[1];
    /** The unreadable state versions this task has logged already (each is logged once, every one is counted). */
    private final Set<Integer> unreadableLogged = new HashSet<>();
    /**
     * The decoded state of recently active entities, so a record does not pay for decoding its
     * entity's bytes again. Every change is written to the store before the next commit ({@link #dirty}:
     * the store, not this map, is what commits and restores); the map is dropped whenever the task is
     * (re)initialised, so it never outlives the store it mirrors.
     */
    private final Map<String, EntityWindows> decoded = new java.util.LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, EntityWindows> eldest) {
            return size() > DECODED_ENTITIES;
        }
    };
    private static final int DECODED_ENTITIES = 50_000;
    /** Entities changed since their state was last written into the store (written before each commit). */
    private final Map<String, EntityWindows> dirty = new java.util.HashMap<>();
    /** Whether the stream time changed since it was last written into the clock store. */
    private boolean clockDirty;
    /** The windows store's pre-commit layer, or null when it has none (state is then written at each change). */
    private PreCommitStore commits;

    WindowingProcessor(IngestSettings settings, FeatureLayout layout, IngestMetrics metrics) {
        this.vectors = Codecs.featureVectors(settings.featuresEncoding());
        this.settings = settings;
        this.layout = layout;
        this.metrics = metrics;
        this.size = settings.windowSize().toMillis();
        this.grace = settings.grace().toMillis();
        this.idle = settings.idleTimeout().toMillis();
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.windows = context.getStateStore(TopologyProducer.WINDOWS_STORE);
        this.clock = context.getStateStore(TopologyProducer.CLOCK_STORE);
        this.taskId = context.taskId().toString();
        decoded.clear();
        dirty.clear();
        clockDirty = false;
        commits = PreCommitStore.under(windows);
        if (commits != null) {
            commits.beforeCommit(() -> {
                writeChanges();
                committedSinceSlice = true;
            });
        }
        Long stored = clock.get(CLOCK_KEY);
        streamTime = stored == null ? Long.MIN_VALUE : stored;
        readingsSeen = clock.get(READINGS_KEY) != null;
        Long through = clock.get(CLOSED_THROUGH_KEY);
        closedThrough = through == null ? Long.MIN_VALUE : through;
        // the next check is due where the last finished one left it; state from before the checks were kept, at the first record
        nextScanAt = through == null ? streamTime : nextBoundaryAfter(closedThrough);
        setCheckedUpTo(null);
        try (KeyValueIterator<String, Long> entries = clock.all()) {
            while (entries.hasNext()) {
                KeyValue<String, Long> entry = entries.next();
                if (entry.key.startsWith(CHECK_PREFIX)) { // a check a crash cut short: it goes on after the last slice committed
                    setCheckedUpTo(entry.key.substring(CHECK_PREFIX.length()));
                    checkStartedAt = entry.value;
                }
            }
        }
        committedSinceSlice = true;
        wallAtLastRecord = context.currentSystemTimeMs();
        wallAtStreamTime = wallAtLastRecord;
        active = metrics.activeEntities(taskId);
        long entities = 0;
        try (KeyValueIterator<String, byte[]> all = windows.all()) {
            while (all.hasNext()) {
                all.next();
                entities++;
            }
        }
        active.set(entities);
        context.schedule(settings.punctuateInterval(), PunctuationType.WALL_CLOCK_TIME, this::onWallClock);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        metrics.recordIn(source.topic());
        publishSpecOnce();
        try {
            accept(record, source);
        } catch (KafkaException e) {
            // Kafka Streams' own failure passing through (an earlier vector the broker refused surfaces at the next
            // write, a store that failed): not this record's fault, and dead-lettering it would hide the failure
            throw e;
        } catch (RuntimeException e) {
            dlq(record, source, DeadLetter.of(DeadLetterReason.PROCESSING_ERROR, e.toString()));
        }
    }

    private void accept(Record<byte[], byte[]> record, RecordMetadata source) {
        Decoded<String> key = EntityKey.decode(record.key());
        if (!key.isOk()) {
            dlq(record, source, DeadLetter.badKey(key.error()));
            return;
        }
        String entity = key.value();
        long ts;
        Map<String, Double> values = null;
        String text = null;
        if (Topics.TEXT_EVENTS.name().equals(source.topic())) {
            Decoded<TextEvent> event = Codecs.TEXT_EVENT.decode(record.value());
            if (!event.isOk()) {
                dlq(record, source, DeadLetter.undecodable(event.error()));
                return;
            }
            text = event.value().text();
            int length = text.length();
            if (length > settings.maxTextChars()) {
                dlq(record, source, DeadLetter.of(DeadLetterReason.TEXT_TOO_LONG, "field 'text': " + length
                        + " characters, more than ingest.text.max-chars=" + settings.maxTextChars()));
                return;
            }
            ts = event.value().ts();
        } else {
            Decoded<SensorReading> reading = Codecs.SENSOR_READING.decode(record.value());
            if (!reading.isOk()) {
                dlq(record, source, DeadLetter.undecodable(reading.error()));
                return;
            }
            values = reading.value().values();
            ts = reading.value().ts();
        }
        long now = context.currentSystemTimeMs();
        if (ts < now - settings.maxPast().toMillis() || ts > now + settings.maxFuture().toMillis()) {
            dlq(record, source, DeadLetter.of(DeadLetterReason.TIMESTAMP_OUT_OF_BOUNDS, "field 'ts': " + Instant.ofEpochMilli(ts)
                    + " is outside now (" + Instant.ofEpochMilli(now) + ") minus " + settings.maxPast()
                    + " .. plus " + settings.maxFuture() + " (ingest.timestamps.max-past, max-future)"));
            return;
        }
        if (values != null) {
            int known = 0;
            for (String channel : values.keySet()) {
                known += layout.channel(channel) >= 0 ? 1 : 0;
            }
            if (known < values.size()) {
                List<String> unknown = values.keySet().stream().filter(c -> layout.channel(c) < 0).toList();
                if (settings.dlqUnknownChannels()) {
                    dlq(record, source, DeadLetter.of(DeadLetterReason.UNKNOWN_CHANNEL, "field 'values': channels " + unknown
                            + " are not in ingest.channels " + settings.channels()));
                    return;
                }
                metrics.unknownChannelValues(unknown.size());
                if (unknown.size() == values.size()) {
                    return;
                }
            }
        } else if (!settings.textEnabled()) {
            return; // text features are off: the event is read and counted, nothing else
        }

        long windowStart = Math.floorDiv(ts, size) * size;
        EntityWindows state = load(entity);
        boolean late = closed(windowStart, streamTime)
                || (state != null && state.emitted && windowStart < state.nextWindowStart);
        if (late) {
            dlq(record, source, DeadLetter.of(DeadLetterReason.LATE, "event time " + Instant.ofEpochMilli(ts) + ": window ["
                    + Instant.ofEpochMilli(windowStart) + ", " + Instant.ofEpochMilli(windowStart + size)
                    + ") already closed at stream time " + Instant.ofEpochMilli(streamTime) + " (grace " + settings.grace() + ")"));
            return;
        }
        if (state == null) {
            if (windows.get(entity) == null) { // not state written for another feature spec, which is already counted
                active.incrementAndGet();
            }
            state = layout.newEntity(windowStart, ts);
        } else if (windowStart < state.nextWindowStart) {
            state.nextWindowStart = windowStart; // nothing emitted yet: the entity starts earlier than first seen
        }
        WindowAccumulator acc = state.window(windowStart, layout);
        if (values != null) {
            for (Map.Entry<String, Double> v : values.entrySet()) {
                int channel = layout.channel(v.getKey());
                if (channel >= 0) {
                    acc.add(channel, ts, v.getValue());
                }
            }
        } else {
            layout.addText(acc, text);
        }
        state.lastSeen = Math.max(state.lastSeen, ts);
        save(entity, state);

        if (values != null && !readingsSeen) {
            readingsSeen = true;
            clock.put(READINGS_KEY, 1L);
        }
        if (values != null || !readingsSeen) { // the records that keep time (see the class comment)
            wallAtLastRecord = now;
            if (ts > streamTime) {
                setStreamTime(ts, now);
            }
        }
        if (checkDue()) {
            closeWindows();
        }
    }

    /** Whether a check starts now (stream time crossed a boundary) or goes on (a commit came since its last slice). */
    private boolean checkDue() {
        return checkedUpTo == null ? streamTime >= nextScanAt : committedSinceSlice;
    }

    private boolean closed(long windowStart, long time) {
        return time != Long.MIN_VALUE && windowStart + size + grace <= time;
    }

    private void setStreamTime(long time, long wallNow) {
        streamTime = time;
        wallAtStreamTime = wallNow;
        clockDirty = true;
        if (commits == null) {
            writeChanges();
        }
    }

    /** Writes the changed entities and the stream time into their stores (before each commit, and before closing windows). */
    private void writeChanges() {
        if (!dirty.isEmpty()) {
            List<KeyValue<String, byte[]>> entries = new ArrayList<>(dirty.size());
            for (Map.Entry<String, EntityWindows> e : dirty.entrySet()) {
                entries.add(KeyValue.pair(e.getKey(), e.getValue().toBytes()));
            }
            windows.putAll(entries);
            dirty.clear();
        }
        if (clockDirty) {
            clock.put(CLOCK_KEY, streamTime);
            clockDirty = false;
        }
    }

    private void onWallClock(long wallNow) {
        publishSpecOnce();
        if (settings.wallClockAdvance() && streamTime != Long.MIN_VALUE && wallNow - wallAtLastRecord > grace) {
            setStreamTime(streamTime + (wallNow - wallAtStreamTime), wallNow);
        }
        if (streamTime != Long.MIN_VALUE && checkDue()) {
            closeWindows();
        }
    }

    /**
     * Emits the closed windows of the next slice of entities (at most {@code ingest.close-slice}, in
     * key order, after the last one read) and drops the entities idle for too long.
     */
    private void closeWindows() {
        writeChanges(); // every entity is read from the store below, new ones included
        if (checkedUpTo == null) {
            checkStartedAt = streamTime;
        }
        List<String> removals = new ArrayList<>();
        String last = null;
        boolean more;
        try (KeyValueIterator<String, byte[]> entries = checkedUpTo == null ? windows.all() : windows.range(checkedUpTo, null)) {
            int read = 0;
            while (entries.hasNext() && read < settings.closeSlice()) {
                KeyValue<String, byte[]> entry = entries.next();
                if (entry.key.equals(checkedUpTo)) {
                    continue; // the range starts at the last entity read, which the previous slice checked
                }
                read++;
                last = entry.key;
                EntityWindows state = decoded.get(entry.key);
                if (state == null) {
                    state = stored(entry.key, entry.value);
                }
                if (state == null) {
                    removals.add(entry.key); // written for another feature spec, or in a format this release cannot read
                    continue;
                }
                long before = state.nextWindowStart;
                while (closed(state.nextWindowStart, checkStartedAt) && inSession(state)) {
                    emitNext(entry.key, state);
                }
                if (!inSession(state)) {
                    removals.add(entry.key);
                } else if (state.nextWindowStart != before) {
                    decoded.put(entry.key, state); // ahead of the store, which catches up when read (the class comment)
                }
            }
            more = entries.hasNext();
        }
        for (String entity : removals) { // not while iterating the store
            windows.delete(entity);
            decoded.remove(entity);
        }
        active.addAndGet(-removals.size());
        if (checkedUpTo != null) {
            clock.delete(CHECK_PREFIX + checkedUpTo);
        }
        if (more) {
            setCheckedUpTo(last);
            clock.put(CHECK_PREFIX + last, checkStartedAt);
            committedSinceSlice = commits == null; // without the pre-commit layer every change is already written
        } else {
            setCheckedUpTo(null);
            closedThrough = checkStartedAt;
            clock.put(CLOSED_THROUGH_KEY, closedThrough);
            nextScanAt = nextBoundaryAfter(checkStartedAt); // a boundary crossed during the check starts the next one
        }
    }

    private void setCheckedUpTo(String entity) {
        checkedUpTo = entity;
        checkedUpToBytes = entity == null ? null : entity.getBytes(StandardCharsets.UTF_8);
    }

    /** The entity's state, or null if it has none (or one written for another feature spec or in an unreadable format). */
    private EntityWindows load(String entity) {
        EntityWindows state = decoded.get(entity);
        if (state == null) {
            state = dirty.get(entity); // changed but since dropped from the decoded entities: not in the store yet
        }
        if (state == null) {
            byte[] bytes = windows.get(entity);
            state = bytes == null ? null : stored(entity, bytes);
            if (state != null) {
                decoded.put(entity, state);
            }
        }
        return state;
    }

    /**
     * The stored state of {@code entity}, caught up with the windows checks have emitted since it was
     * written, or null when it is unreadable (see {@link #readable(String, byte[])}).
     */
    private EntityWindows stored(String entity, byte[] bytes) {
        EntityWindows state = readable(entity, bytes);
        if (state != null) {
            long emittedBy = checkedUpTo != null && Arrays.compareUnsigned(
                    entity.getBytes(StandardCharsets.UTF_8), checkedUpToBytes) <= 0 ? checkStartedAt : closedThrough;
            while (closed(state.nextWindowStart, emittedBy) && inSession(state)) {
                next(state);
            }
        }
        return state;
    }

    /**
     * The stored state, or null to start the entity afresh: written for another feature spec, or
     * in a state format this release cannot read (the one policy, contracts/README.md "State
     * format": discarded, counted and logged, never misread). The caller overwrites or deletes it.
     */
    private EntityWindows readable(String entity, byte[] bytes) {
        try {
            return EntityWindows.fromBytes(bytes, layout);
        } catch (UnreadableStateException e) {
            metrics.stateDiscarded();
            if (unreadableLogged.add(e.found())) {
                LOG.warnf("task %s: discarding the window state of %s: %s. It starts afresh with its next record; other entities'"
                        + " state of the same version is discarded too, counted in ingest_state_discarded_total and not logged again",
                        taskId, entity, e.getMessage());
            }
            return null;
        }
    }

    private void save(String entity, EntityWindows state) {
        dirty.put(entity, state);
        decoded.put(entity, state);
        if (commits == null) {
            writeChanges();
        }
    }

    /** Whether the next window still belongs to the entity's activity (not past the idle timeout). */
    private boolean inSession(EntityWindows state) {
        return state.nextWindowStart <= state.lastSeen + idle;
    }

    private void emitNext(String entity, EntityWindows state) {
        FeatureVector vector = next(state);
        context.forward(new Record<>(entity.getBytes(StandardCharsets.UTF_8), vectors.encode(vector),
                vector.windowEnd()), TopologyProducer.FEATURES_SINK);
        metrics.vectorOut(imputed[0]);
    }

    /** The entity's next window's vector, the state moved past it (its carried values, its next window). */
    private FeatureVector next(EntityWindows state) {
        long start = state.nextWindowStart;
        WindowAccumulator taken = state.take(start);
        FeatureVector vector = layout.vector(state, start, taken, imputed);
        state.recycle(taken);
        state.emitted = true;
        state.nextWindowStart = start + size;
        return vector;
    }

    /** The next stream time at which some window closes: windows are aligned, so k * size + grace. */
    private long nextBoundaryAfter(long time) {
        if (time == Long.MIN_VALUE) {
            return Long.MIN_VALUE;
        }
        return (Math.floorDiv(time - grace, size) + 1) * size + grace;
    }

    private void publishSpecOnce() {
        if (!specPublished) {
            specPublished = true;
            context.forward(new Record<>(layout.spec().id().getBytes(StandardCharsets.UTF_8),
                    Codecs.FEATURE_SPEC.encode(layout.spec()), context.currentSystemTimeMs()), TopologyProducer.SPECS_SINK);
        }
    }

    /**
     * Writes the dead letter stamped with the time of refusal, its own timestamp kept in a header: the
     * broker deletes by record timestamp, and a record refused for being too old (or carrying a garbage
     * time) would otherwise be deleted from {@code ingest-dlq} at the next retention check, unread.
     */
    private void dlq(Record<byte[], byte[]> record, RecordMetadata source, DeadLetter letter) {
        Headers headers = letter.headers(record.headers(), source.topic(), source.partition(), source.offset(),
                record.timestamp());
        context.forward(record.withHeaders(headers).withTimestamp(context.currentSystemTimeMs()), TopologyProducer.DLQ_SINK);
        metrics.dlq(letter.reason());
    }

    @Override
    public void close() {
        decoded.clear();
        dirty.clear();
        metrics.taskClosed(taskId);
    }
}
