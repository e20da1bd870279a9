package dev.streamcast.forecaster.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

class ForecasterMetricsTest {

    @Test
    void everyCounterExistsAtZeroFromTheStartForEachRefusalReasonAndConfiguredSlot() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ForecasterMetrics metrics = new ForecasterMetrics(registry);
        metrics.registerSlot("served", () -> false);

        List<String> slotCounters = List.of("forecaster_forecasts_out", "forecaster_stale_inputs", "forecaster_model_swaps",
                "forecaster_model_swap_failures", "forecaster_model_rejections", "forecaster_newer_model_waits",
                "forecaster_stepped_by_older_model", "forecaster_entities_expired", "forecaster_state_discarded");
        for (String name : slotCounters) {
            assertThat(registry.find(name).tag("slot", "served").counter().count()).as(name).isZero();
        }
        for (String name : List.of("forecaster_entities", "forecaster_state_bytes", "forecaster_stale_entities",
                "forecaster_model_version", "forecaster_model_loaded")) {
            assertThat(registry.find(name).tag("slot", "served").gauge().value()).as(name).isZero();
        }
        assertThat(registry.find("forecaster_end_to_end").tag("slot", "served").timer().count()).isZero();
        assertThat(registry.find("forecaster_inference").tag("slot", "served").timer().count()).isZero();
        assertThat(registry.find("forecaster_batch_size").tag("slot", "served").summary().count()).isZero();
        assertThat(registry.find("forecaster_held_vectors").tag("slot", "all").gauge().value()).isZero();
        assertThat(registry.find("forecaster_records_in").counter().count()).isZero();

        TreeSet<String> reasons = new TreeSet<>();
        registry.find("forecaster_refused").counters().forEach(c -> {
            assertThat(c.count()).isZero();
            reasons.add(c.getId().getTag("reason"));
        });
        assertThat(reasons).containsExactly("BAD_KEY", "MALFORMED", "MODEL_ERROR", "NON_FINITE_OUTPUT", "PROCESSING_ERROR",
                "SPEC_MISMATCH", "UNKNOWN_SPEC");
        assertThat(registry.getMeters()).extracting(Meter::getId).noneMatch(id -> "shadow".equals(id.getTag("slot")));
    }

    @Test
    void theEndToEndHistogramResolvesTheFreshnessGoalsAndTheLateAlertsThreshold() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ForecasterMetrics.SlotMeters served = new ForecasterMetrics(registry).slot("served");
        served.endToEnd(800);
        served.endToEnd(2_500);
        served.endToEnd(1_200_000); // 20 minutes: past StreamcastForecastsLate's 600 s

        String scrape = registry.scrape();
        assertThat(bucket(scrape, "1.0")).isEqualTo(1);
        assertThat(bucket(scrape, "3.0")).isEqualTo(2);
        assertThat(bucket(scrape, "600.0")).as("the alert's threshold is a bucket bound").isEqualTo(2);
        assertThat(bucket(scrape, "1200.0")).as("a late forecast lands in a finite bucket, not only +Inf").isEqualTo(3);
        assertThat(scrape.lines().filter(l -> l.startsWith("forecaster_end_to_end_seconds_bucket"))).hasSize(17); // 16 and +Inf
    }

    private static double bucket(String scrape, String le) {
        String prefix = "forecaster_end_to_end_seconds_bucket{slot=\"served\",le=\"" + le + "\",}";
        return scrape.lines().filter(l -> l.startsWith(prefix)).mapToDouble(l -> Double.parseDouble(l.substring(prefix.length()).strip()))
                .findFirst().orElseThrow(() -> new AssertionError("no bucket le=" + le + " in\n" + scrape));
    }

    @Test
    void modelLoadedIsReadFromTheSlotAtEachScrape() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AtomicBoolean serving = new AtomicBoolean();
        new ForecasterMetrics(registry).registerSlot("shadow", serving::get);

        assertThat(registry.find("forecaster_model_loaded").tag("slot", "shadow").gauge().value()).isZero();
        serving.set(true);
        assertThat(registry.find("forecaster_model_loaded").tag("slot", "shadow").gauge().value()).isEqualTo(1.0);
    }
}
