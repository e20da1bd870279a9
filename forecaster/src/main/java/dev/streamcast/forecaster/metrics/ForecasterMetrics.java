package dev.streamcast.forecaster.metrics;

import dev.streamcast.contracts.deadletter.DeadLetterReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.prometheus.client.CollectorRegistry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.WeakHashMap;
import java.util.function.BooleanSupplier;

/**
 * The forecaster's Prometheus metrics (names as scraped from /q/metrics; forecaster/README.md
 * lists them). Per-slot meters carry a {@code slot} tag: {@code served} or {@code shadow}.
 * The meters touched per record or per forecast are registered once per slot ({@link SlotMeters}),
 * held by the parts that count them, so counting costs no lookup and no allocation on the hot path;
 * what is measured per forecast (end to end, online errors) is added up by each stream task's slot
 * and published once per batch ({@link PerForecast}), exported to Prometheus beside Micrometer's meters.
 *
 * <p>Every counter exists at zero from start-up ({@link #registerSlot} for each configured slot,
 * the refusal reasons here), so a Prometheus {@code increase()} over it also sees its first
 * increment: a counter that appeared only then would start at its first value, and the increase
 * to it be lost.
 */
public final class ForecasterMetrics {

    /** The reasons the forecaster refuses vectors for: each has its {@code forecaster_refused_total} series from the start. */
    public static final Set<DeadLetterReason> REASONS = EnumSet.of(DeadLetterReason.BAD_KEY, DeadLetterReason.MALFORMED,
            DeadLetterReason.PROCESSING_ERROR, DeadLetterReason.UNKNOWN_SPEC, DeadLetterReason.SPEC_MISMATCH,
            DeadLetterReason.MODEL_ERROR, DeadLetterReason.NON_FINITE_OUTPUT);

    private final MeterRegistry registry;
    private final Map<String, AtomicReference<Double>> backtests = new ConcurrentHashMap<>();
    private final Counter recordsIn;
    private final AtomicLong held;
    private final Map<DeadLetterReason, Counter> refused = new ConcurrentHashMap<>();
    private final Map<String, SlotMeters> slots = new ConcurrentHashMap<>();
    private final PerForecastFamilies perForecast;

    /** The per-forecast families of each meter registry: like its meters, one set per registry, shared by its users. */
    private static final Map<MeterRegistry, PerForecastFamilies> FAMILIES = Collections.synchronizedMap(new WeakHashMap<>());

    /** The families measured per forecast, as {@link PerForecast}s registered in the registry's Prometheus export (if any). */
    private record PerForecastFamilies(PerForecast endToEnd, PerForecast absError, PerForecast squaredError) {

        static PerForecastFamilies exportedBy(MeterRegistry registry) {
            List<String> errorLabels = List.of("horizon", "model", "slot", "target");
            PerForecastFamilies families = new PerForecastFamilies(
                    new PerForecast("forecaster_end_to_end_seconds", "window end to forecast written", List.of("slot"),
                            END_TO_END_BUCKETS),
                    new PerForecast("forecaster_abs_error", "absolute error of forecasts whose actual arrived", errorLabels),
                    new PerForecast("forecaster_squared_error", "squared error of forecasts whose actual arrived", errorLabels));
            CollectorRegistry prometheus = prometheus(registry);
            if (prometheus != null) {
                prometheus.register(families.endToEnd());
                prometheus.register(families.absError());
                prometheus.register(families.squaredError());
            }
            return families;
        }

        /** The Prometheus registry {@code registry} exports to: its own, or its first Prometheus child's; null if none. */
        private static CollectorRegistry prometheus(MeterRegistry registry) {
            if (registry instanceof PrometheusMeterRegistry p) {
                return p.getPrometheusRegistry();
            }
            if (registry instanceof CompositeMeterRegistry composite) {
                for (MeterRegistry child : composite.getRegistries()) {
                    CollectorRegistry found = prometheus(child);
                    if (found != null) {
                        return found;
                    }
                }
            }
            return null;
        }
    }

    /**
     * The end-to-end histogram's buckets: fine where the freshness goals lie (under a second to a few),
     * and past the {@code StreamcastForecastsLate} alert's 10 minutes, so its 99th percentile can
     * cross them (a percentile histogram bounded at 30 s put every later forecast in {@code +Inf},
     * where {@code histogram_quantile} reads 30 s); 16 buckets, where each forecast recorded into 114.
     */
    static final double[] END_TO_END_BUCKETS = {0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600};

    /** Every meter of one slot; what is counted per record or per forecast, held by its caller (no lookup). */
    public final class SlotMeters {
        final Counter forecastsOut;
        final Counter stale;
        final DistributionSummary batchSize;
        final Timer inference;
        final PerForecast.Series endToEnd;
        final AtomicLong entities;
        final AtomicLong stateBytes;
        final AtomicLong staleEntities;
        final AtomicLong modelVersion;
        final Counter swaps;
        final Counter swapFailures;
        final Counter rejections;
        final Counter newerModelWaits;
        final Counter steppedByOlderModel;
        final Counter expired;
        final Counter discarded;

        SlotMeters(String slot) {
            entities = gauge("forecaster_entities", "entities with state", slot);
            stateBytes = gauge("forecaster_state_bytes", "bytes of entity state in the stores", slot);
            staleEntities = gauge("forecaster_stale_entities", "entities whose last forecaster.alerts.stale-steps inputs or more"
                    + " brought no forecast (past their first warm-up)", slot);
            modelVersion = gauge("forecaster_model_version", "version of the model serving (0 before any)", slot);
            forecastsOut = counter("forecaster_forecasts_out", "forecasts written", slot);
            stale = counter("forecaster_stale_inputs", "vectors skipped because their entity had already moved past their window",
                    slot);
            batchSize = DistributionSummary.builder("forecaster_batch_size").description("entities per ONNX Runtime call")
                    .tag("slot", slot).serviceLevelObjectives(1, 8, 32, 64, 128, 256, 512, 1024).register(registry);
            inference = timer("forecaster_inference", "one batched step call", slot);
            endToEnd = perForecast.endToEnd().series(slot);
            swaps = counter("forecaster_model_swaps", "models swapped in", slot);
            swapFailures = counter("forecaster_model_swap_failures", "models that failed to load (the previous one kept serving)",
                    slot);
            rejections = counter("forecaster_model_rejections", "served models taken out after their first batches all failed",
                    slot);
            newerModelWaits = counter("forecaster_newer_model_waits", "entities whose state a newer model version built, waiting"
                    + " for it to load here", slot);
            steppedByOlderModel = counter("forecaster_stepped_by_older_model", "entities stepped by an older model version than"
                    + " built their state, after waiting for the newer one (forecaster.faults.newer-model-wait) or on their next"
                    + " input", slot);
            expired = counter("forecaster_entities_expired", "entities dropped after their TTL", slot);
            discarded = counter("forecaster_state_discarded", "entity states in a format this release cannot read, discarded (the"
                    + " entity starts anew)", slot);
        }

        public void forecastsOut(long count) {
            forecastsOut.increment(count);
        }

        /** A recorder of {@code forecaster_end_to_end_seconds}, for one stream task: it counts once published. */
        public PerForecast.Tally endToEnd() {
            return endToEnd.tally();
        }

        /** {@code forecaster_end_to_end_seconds} as published: the forecasts timed and their total seconds. */
        public PerForecast.Series endToEndPublished() {
            return endToEnd;
        }

        public void batch(int size, long nanos) {
            batchSize.record(size);
            inference.record(nanos, TimeUnit.NANOSECONDS);
        }

        public void stale() {
            stale.increment();
        }

        /** Entities, state bytes and stale entities added to this slot's gauges (negative: removed). */
        public void stored(long entityDelta, long byteDelta, long staleDelta) {
            if (entityDelta != 0) {
                entities.addAndGet(entityDelta);
            }
            if (byteDelta != 0) {
                stateBytes.addAndGet(byteDelta);
            }
            if (staleDelta != 0) {
                staleEntities.addAndGet(staleDelta);
            }
        }
    }

    public ForecasterMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.perForecast = FAMILIES.computeIfAbsent(registry, PerForecastFamilies::exportedBy);
        this.recordsIn = Counter.builder("forecaster_records_in").description("feature vectors read").register(registry);
        for (DeadLetterReason reason : REASONS) {
            refused.put(reason, refusedCounter(reason));
        }
        held = new AtomicLong();
        Gauge.builder("forecaster_held_vectors", held, AtomicLong::get).strongReference(true)
                .description("feature vectors waiting for their spec to reach feature-specs").tag("slot", "all").register(registry);
    }

    /**
     * Registers every meter of {@code slot} at zero, and {@code forecaster_model_loaded{slot}}, read at
     * each scrape from {@code modelLoaded}: call once per configured slot, at start.
     */
    public void registerSlot(String slot, BooleanSupplier modelLoaded) {
        slot(slot);
        Gauge.builder("forecaster_model_loaded", () -> modelLoaded.getAsBoolean() ? 1 : 0)
                .description("1 while a model serves this slot, 0 while none does (none loaded yet, or the one loaded failed"
                        + " every step with nothing to go back to)").tag("slot", slot).register(registry);
    }

    public void recordIn() {
        recordsIn.increment();
    }

    /** The meters of {@code slot}, to hold where they are counted per record or per forecast. */
    public SlotMeters slot(String slot) {
        SlotMeters meters = slots.get(slot);
        return meters != null ? meters : slots.computeIfAbsent(slot, SlotMeters::new);
    }

    public void refused(DeadLetterReason reason) {
        Counter counter = refused.get(reason);
        (counter != null ? counter : refused.computeIfAbsent(reason, this::refusedCounter)).increment();
    }

    public void swap(String slot, boolean ok) {
        SlotMeters meters = slot(slot);
        (ok ? meters.swaps : meters.swapFailures).increment();
    }

    /** Vectors held until their spec is known ({@code forecaster_held_vectors}). */
    public void held(long delta) {
        if (delta != 0) {
            held.addAndGet(delta);
        }
    }

    public void waitedForNewerModel(String slot) {
        slot(slot).newerModelWaits.increment();
    }

    public void steppedByOlderModel(String slot) {
        slot(slot).steppedByOlderModel.increment();
    }

    public void modelRejected(String slot) {
        slot(slot).rejections.increment();
    }

    public void modelVersion(String slot, long version) {
        slot(slot).modelVersion.set(version);
    }

    public void expired(String slot, long count) {
        slot(slot).expired.increment(count);
    }

    public void stateDiscarded(String slot) {
        slot(slot).discarded.increment();
    }

    /**
     * {@code forecaster_backtest_abs_error{slot,target}}: the mean absolute error the backtest of the
     * model chosen for {@code slot} measured on {@code target}, in the target's units (NaN where its
     * manifest has none). The live error ({@code forecaster_abs_error}) is compared with it.
     */
    public void backtestAbsError(String slot, String target, double value) {
        backtests.computeIfAbsent(slot + "|" + target, k -> {
            AtomicReference<Double> holder = new AtomicReference<>(Double.NaN);
            Gauge.builder("forecaster_backtest_abs_error", holder, AtomicReference::get).strongReference(true)
                    .description("mean absolute error the serving model's backtest measured, in the target's units")
                    .tags("slot", slot, "target", target).register(registry);
            return holder;
        }).set(value);
    }

    /**
     * Recorders of the online error of one slot, model, horizon and target, for one stream task (the
     * series exist at zero from this call on); what they record counts once published.
     */
    public ErrorMeters error(String slot, String model, int horizon, String target) {
        String h = String.valueOf(horizon);
        return new ErrorMeters(perForecast.absError().series(h, model, slot, target).tally(),
                perForecast.squaredError().series(h, model, slot, target).tally());
    }

    /** {@code forecaster_abs_error} and {@code forecaster_squared_error} of one slot, model, horizon and target. */
    public record ErrorMeters(PerForecast.Tally absolute, PerForecast.Tally squared) {

        /** Online error of a point forecast once its actual arrived, in the target's units. */
        public void record(double error) {
            absolute.record(Math.abs(error));
            squared.record(error * error);
        }

        public void publish() {
            absolute.publish();
            squared.publish();
        }
    }

    /**
     * The live error of one slot, model, horizon and target as published: the forecasts scored, the sum
     * of their absolute errors ({@code forecaster_abs_error}) and of their squares ({@code forecaster_squared_error}).
     */
    public record LiveError(String slot, String model, int horizon, String target, long count, double absSum, double squaredSum) {

        /** The mean absolute error, or null before the first scored forecast. */
        public Double mae() {
            return count == 0 ? null : absSum / count;
        }
    }

    /** Every slot, model, horizon and target with error meters, as published so far. */
    public List<LiveError> liveErrors() {
        List<LiveError> errors = new ArrayList<>();
        perForecast.absError().all().forEach((labels, abs) -> errors.add(new LiveError(labels.get(2), labels.get(1),
                Integer.parseInt(labels.get(0)), labels.get(3), abs.count(), abs.sum(),
                perForecast.squaredError().series(labels.toArray(String[]::new)).sum())));
        return errors;
    }

    private Counter refusedCounter(DeadLetterReason reason) {
        return Counter.builder("forecaster_refused").description("feature vectors refused, to the DLQ").tag("reason", reason.name())
                .register(registry);
    }

    private Counter counter(String name, String description, String slot) {
        return Counter.builder(name).description(description).tag("slot", slot).register(registry);
    }

    private Timer timer(String name, String description, String slot) {
        return Timer.builder(name).description(description).tag("slot", slot).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(1000)).maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
    }

    /** A gauge of a holder the gauge itself keeps (Micrometer's default is a weak reference: a collected holder reads NaN). */
    private AtomicLong gauge(String name, String description, String slot) {
        AtomicLong holder = new AtomicLong();
        Gauge.builder(name, holder, AtomicLong::get).strongReference(true).description(description).tag("slot", slot)
                .register(registry);
        return holder;
    }
}
