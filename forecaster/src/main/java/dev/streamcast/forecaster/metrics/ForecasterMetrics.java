package dev.streamcast.forecaster.metrics;

import dev.streamcast.contracts.deadletter.DeadLetterReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The forecaster's Prometheus metrics (names as scraped from /q/metrics; forecaster/README.md
 * lists them). Per-slot meters carry a {@code slot} tag: {@code served} or {@code shadow}.
 * The meters touched per record or per forecast are registered once per slot and found with one
 * lookup of the slot's name, so counting costs no allocation on the hot path.
 */
public final class ForecasterMetrics {

    private final MeterRegistry registry;
    private final Counter recordsIn;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, DistributionSummary> summaries = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> gauges = new ConcurrentHashMap<>();
    private final Map<String, SlotMeters> slots = new ConcurrentHashMap<>();

    /** The meters of one slot that move with every record or forecast. */
    private final class SlotMeters {
        final Counter forecastsOut;
        final Counter stale;
        final DistributionSummary batchSize;
        final Timer inference;
        final Timer endToEnd;
        final AtomicLong entities;
        final AtomicLong stateBytes;

        SlotMeters(String slot) {
            entities = gauge("forecaster_entities", "entities with state", "slot", slot);
            stateBytes = gauge("forecaster_state_bytes", "bytes of entity state in the stores", "slot", slot);
            forecastsOut = Counter.builder("forecaster_forecasts_out").description("forecasts written").tag("slot", slot)
                    .register(registry);
            stale = Counter.builder("forecaster_stale_inputs")
                    .description("vectors skipped because their entity had already moved past their window").tag("slot", slot)
                    .register(registry);
            batchSize = DistributionSummary.builder("forecaster_batch_size").description("entities per ONNX Runtime call")
                    .tag("slot", slot).serviceLevelObjectives(1, 8, 32, 64, 128, 256, 512, 1024).register(registry);
            inference = timer("forecaster_inference", "one batched step call", "slot", slot);
            endToEnd = timer("forecaster_end_to_end", "window end to forecast written", "slot", slot);
        }
    }

    public ForecasterMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.recordsIn = Counter.builder("forecaster_records_in").description("feature vectors read").register(registry);
    }

    public void recordIn() {
        recordsIn.increment();
    }

    private SlotMeters slot(String slot) {
        SlotMeters meters = slots.get(slot);
        return meters != null ? meters : slots.computeIfAbsent(slot, SlotMeters::new);
    }

    public void forecastOut(String slot) {
        slot(slot).forecastsOut.increment();
    }

    public void refused(DeadLetterReason reason) {
        counter("forecaster_refused", "feature vectors refused, to the DLQ", "reason", reason.name()).increment();
    }

    public void stale(String slot) {
        slot(slot).stale.increment();
    }

    public void batch(String slot, int size, long nanos) {
        SlotMeters meters = slot(slot);
        meters.batchSize.record(size);
        meters.inference.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void endToEnd(String slot, long millis) {
        slot(slot).endToEnd.record(Math.max(0, Math.min(millis, 86_400_000L)), TimeUnit.MILLISECONDS);
    }

    public void swap(String slot, boolean ok) {
        counter(ok ? "forecaster_model_swaps" : "forecaster_model_swap_failures",
                ok ? "models swapped in" : "models that failed to load (the previous one kept serving)", "slot", slot).increment();
    }

    /** Vectors held until their spec is known ({@code forecaster_held_vectors}). */
    public void held(long delta) {
        if (delta != 0) {
            gauge("forecaster_held_vectors", "feature vectors waiting for their spec to reach feature-specs", "slot", "all")
                    .addAndGet(delta);
        }
    }

    public void waitedForNewerModel(String slot) {
        counter("forecaster_newer_model_waits", "entities whose state a newer model version built, waiting for it to load here",
                "slot", slot).increment();
    }

    public void steppedByOlderModel(String slot) {
        counter("forecaster_stepped_by_older_model", "entities stepped by an older model version than built their state, after"
                + " waiting for the newer one (forecaster.faults.newer-model-wait) or on their next input", "slot", slot).increment();
    }

    public void modelRejected(String slot) {
        counter("forecaster_model_rejections", "served models taken out after their first batches all failed", "slot", slot)
                .increment();
    }

    public void modelVersion(String slot, long version) {
        gauge("forecaster_model_version", "version of the model serving", "slot", slot).set(version);
    }

    public void entities(String slot, long delta) {
        slot(slot).entities.addAndGet(delta);
    }

    public void stateBytes(String slot, long delta) {
        slot(slot).stateBytes.addAndGet(delta);
    }

    public void expired(String slot, long count) {
        counter("forecaster_entities_expired", "entities dropped after their TTL", "slot", slot).increment(count);
    }

    public void stateDiscarded(String slot) {
        counter("forecaster_state_discarded", "entity states in a format this release cannot read, discarded (the entity starts anew)",
                "slot", slot).increment();
    }

    /** The online error meters of one slot, model, horizon and target: found once, recorded per scored forecast. */
    public ErrorMeters error(String slot, String model, int horizon, String target) {
        String key = slot + "|" + model + "|" + horizon + "|" + target;
        return new ErrorMeters(
                summaries.computeIfAbsent("abs:" + key, k -> DistributionSummary.builder("forecaster_abs_error")
                        .description("absolute error of forecasts whose actual arrived").tags("slot", slot, "model", model,
                                "horizon", String.valueOf(horizon), "target", target).register(registry)),
                summaries.computeIfAbsent("sq:" + key, k -> DistributionSummary.builder("forecaster_squared_error")
                        .description("squared error of forecasts whose actual arrived").tags("slot", slot, "model", model,
                                "horizon", String.valueOf(horizon), "target", target).register(registry)));
    }

    /** {@code forecaster_abs_error} and {@code forecaster_squared_error} of one slot, model, horizon and target. */
    public record ErrorMeters(DistributionSummary absolute, DistributionSummary squared) {

        /** Online error of a point forecast once its actual arrived, in the target's units. */
        public void record(double error) {
            absolute.record(Math.abs(error));
            squared.record(error * error);
        }
    }

    private Counter counter(String name, String description, String tag, String value) {
        return counters.computeIfAbsent(name + "|" + value,
                k -> Counter.builder(name).description(description).tag(tag, value).register(registry));
    }

    private Timer timer(String name, String description, String tag, String value) {
        return timers.computeIfAbsent(name + "|" + value, k -> Timer.builder(name).description(description).tag(tag, value)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(1000))
                .maximumExpectedValue(Duration.ofSeconds(30)).register(registry));
    }

    private AtomicLong gauge(String name, String description, String tag, String value) {
        return gauges.computeIfAbsent(name + "|" + value, k -> {
            AtomicLong holder = new AtomicLong();
            io.micrometer.core.instrument.Gauge.builder(name, holder, AtomicLong::get).description(description)
                    .tag(tag, value).register(registry);
            return holder;
        });
    }
}
