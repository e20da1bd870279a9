package dev.streamcast.ingest.windowing;

import dev.streamcast.contracts.deadletter.DeadLetterReason;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.ingest.health.CountingExceptionHandlers;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ingest meters, shared by every stream task of the application:
 * {@code ingest_records_in_total{topic}}, {@code ingest_vectors_out_total},
 * {@code ingest_dlq_total{reason}}, {@code ingest_late_total},
 * {@code ingest_imputed_values_total}, {@code ingest_unknown_channel_values_total},
 * {@code ingest_state_discarded_total} and the gauge {@code ingest_active_entities}; and, for the
 * exception handlers, {@code ingest_handler_errors_total{stage}}. Every series exists at zero from
 * start-up, each input topic and refusal reason included, so a Prometheus {@code increase()} over a
 * counter also sees its first increment.
 */
public final class IngestMetrics {

    /** The reasons ingest refuses records for: each has its {@code ingest_dlq_total} series from the start. */
    static final Set<DeadLetterReason> REASONS = EnumSet.range(DeadLetterReason.MALFORMED, DeadLetterReason.PROCESSING_ERROR);
    /** The topics ingest reads: each has its {@code ingest_records_in_total} series from the start. */
    static final List<String> INPUTS = List.of(Topics.SENSOR_READINGS.name(), Topics.TEXT_EVENTS.name());

    private final Map<String, Counter> recordsIn = new ConcurrentHashMap<>();
    private final Map<DeadLetterReason, Counter> dlq = new ConcurrentHashMap<>();
    private final MeterRegistry registry;
    private final Counter vectorsOut;
    private final Counter late;
    private final Counter imputed;
    private final Counter unknownChannelValues;
    private final Counter stateDiscarded;
    private final Map<String, AtomicLong> activeByTask = new ConcurrentHashMap<>();

    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
        vectorsOut = Counter.builder("ingest.vectors.out").description("feature vectors written to features").register(registry);
        late = Counter.builder("ingest.late").description("records later than the grace period").register(registry);
        imputed = Counter.builder("ingest.imputed.values").description("feature values imputed for windows without data").register(registry);
        unknownChannelValues = Counter.builder("ingest.unknown.channel.values")
                .description("channel values dropped because the channel is not configured").register(registry);
        stateDiscarded = Counter.builder("ingest.state.discarded")
                .description("entities whose stored window state was in a format this release cannot read, started afresh")
                .register(registry);
        for (DeadLetterReason reason : REASONS) {
            dlq.put(reason, Counter.builder("ingest.dlq").tag("reason", reason.name())
                    .description("records sent to ingest-dlq").register(registry));
        }
        for (String topic : INPUTS) {
            recordsIn.put(topic, recordsInCounter(topic));
        }
        CountingExceptionHandlers.countFromZero(registry);
        Gauge.builder("ingest.active.entities", activeByTask, tasks -> tasks.values().stream().mapToLong(AtomicLong::get).sum())
                .description("entities with window state").register(registry);
    }

    void recordIn(String topic) {
        Counter counter = recordsIn.get(topic);
        (counter != null ? counter : recordsIn.computeIfAbsent(topic, this::recordsInCounter)).increment();
    }

    private Counter recordsInCounter(String topic) {
        return Counter.builder("ingest.records.in").tag("topic", topic).description("records read").register(registry);
    }

    void vectorOut(int imputedValues) {
        vectorsOut.increment();
        if (imputedValues > 0) {
            imputed.increment(imputedValues);
        }
    }

    void dlq(DeadLetterReason reason) {
        dlq.computeIfAbsent(reason, r -> Counter.builder("ingest.dlq").tag("reason", r.name())
                .description("records sent to ingest-dlq").register(registry)).increment();
        if (reason == DeadLetterReason.LATE) {
            late.increment();
        }
    }

    void stateDiscarded() {
        stateDiscarded.increment();
    }

    void unknownChannelValues(int count) {
        unknownChannelValues.increment(count);
    }

    /** The active-entity count of one task; the gauge sums them. */
    AtomicLong activeEntities(String taskId) {
        return activeByTask.computeIfAbsent(taskId, t -> new AtomicLong());
    }

    void taskClosed(String taskId) {
        activeByTask.remove(taskId);
    }
}
