package dev.streamcast.ingest.windowing;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ingest meters, shared by every stream task of the application:
 * {@code ingest_records_in_total{topic}}, {@code ingest_vectors_out_total},
 * {@code ingest_dlq_total{reason}}, {@code ingest_late_total},
 * {@code ingest_imputed_values_total}, {@code ingest_unknown_channel_values_total} and the
 * gauge {@code ingest_active_entities}.
 */
public final class IngestMetrics {

    private final Map<String, Counter> recordsIn = new ConcurrentHashMap<>();
    private final Map<DlqReason, Counter> dlq = new EnumMap<>(DlqReason.class);
    private final MeterRegistry registry;
    private final Counter vectorsOut;
    private final Counter late;
    private final Counter imputed;
    private final Counter unknownChannelValues;
    private final Map<String, AtomicLong> activeByTask = new ConcurrentHashMap<>();

    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
        vectorsOut = Counter.builder("ingest.vectors.out").description("feature vectors written to features").register(registry);
        late = Counter.builder("ingest.late").description("records later than the grace period").register(registry);
        imputed = Counter.builder("ingest.imputed.values").description("feature values imputed for windows without data").register(registry);
        unknownChannelValues = Counter.builder("ingest.unknown.channel.values")
                .description("channel values dropped because the channel is not configured").register(registry);
        for (DlqReason reason : DlqReason.values()) {
            dlq.put(reason, Counter.builder("ingest.dlq").tag("reason", reason.name())
                    .description("records sent to ingest-dlq").register(registry));
        }
        Gauge.builder("ingest.active.entities", activeByTask, tasks -> tasks.values().stream().mapToLong(AtomicLong::get).sum())
                .description("entities with window state").register(registry);
    }

    void recordIn(String topic) {
        recordsIn.computeIfAbsent(topic, t -> Counter.builder("ingest.records.in").tag("topic", t)
                .description("records read").register(registry)).increment();
    }

    void vectorOut(int imputedValues) {
        vectorsOut.increment();
        if (imputedValues > 0) {
            imputed.increment(imputedValues);
        }
    }

    void dlq(DlqReason reason) {
        dlq.get(reason).increment();
        if (reason == DlqReason.LATE) {
            late.increment();
        }
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
