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
        assertThat(metrics.slot("served").endToEndPublished().count()).isZero();
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
        PerForecast.Tally task = served.endToEnd();
        task.record(0.8);
        task.record(2.5);
        task.record(1_200); // 20 minutes: past StreamcastForecastsLate's 600 s
        task.publish();

        String scrape = registry.scrape();
        assertThat(bucket(scrape, "1.0")).isEqualTo(1);
        assertThat(bucket(scrape, "3.0")).isEqualTo(2);
        assertThat(bucket(scrape, "600.0")).as("the alert's threshold is a bucket bound").isEqualTo(2);
        assertThat(bucket(scrape, "1200.0")).as("a late forecast lands in a finite bucket, not only +Inf").isEqualTo(3);
        assertThat(scrape.lines().filter(l -> l.startsWith("forecaster_end_to_end_seconds_bucket"))).hasSize(17); // 16 and +Inf
        assertThat(scrape).contains("# TYPE forecaster_end_to_end_seconds histogram", "forecaster_end_to_end_seconds_bucket{slot=\"served\",le=\"+Inf\",} 3.0",
                "forecaster_end_to_end_seconds_count{slot=\"served\",} 3.0", "forecaster_end_to_end_seconds_sum{slot=\"served\",} 1203.3");
    }

    @Test
    void theOnlineErrorsAreScrapedAsSummariesWithTheNamesAndLabelsTheAlertsRead() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ForecasterMetrics metrics = new ForecasterMetrics(registry);
        ForecasterMetrics.ErrorMeters oneTask = metrics.error("served", "fleet@3", 1, "oil");
        ForecasterMetrics.ErrorMeters otherTask = metrics.error("served", "fleet@3", 1, "oil");
        oneTask.record(-2);
        otherTask.record(4);
        otherTask.record(1);
        metrics.error("served", "fleet@3", 24, "oil"); // exists at zero from then on
        assertThat(registry.scrape()).contains("forecaster_abs_error_count{horizon=\"1\",model=\"fleet@3\",slot=\"served\",target=\"oil\",} 0.0");

        oneTask.publish();
        otherTask.publish();
        String scrape = registry.scrape();
        assertThat(scrape).contains("# TYPE forecaster_abs_error summary",
                "forecaster_abs_error_count{horizon=\"1\",model=\"fleet@3\",slot=\"served\",target=\"oil\",} 3.0",
                "forecaster_abs_error_sum{horizon=\"1\",model=\"fleet@3\",slot=\"served\",target=\"oil\",} 7.0",
                "forecaster_squared_error_sum{horizon=\"1\",model=\"fleet@3\",slot=\"served\",target=\"oil\",} 21.0",
                "forecaster_abs_error_count{horizon=\"24\",model=\"fleet@3\",slot=\"served\",target=\"oil\",} 0.0");
        assertThat(metrics.liveErrors()).filteredOn(e -> e.horizon() == 1).singleElement()
                .satisfies(e -> assertThat(e.mae()).isEqualTo(7.0 / 3));
    }

    @Test
    void aSecondForecasterMetricsOnTheSameRegistrySharesItsPerForecastSeries() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ForecasterMetrics first = new ForecasterMetrics(registry);
        ForecasterMetrics.ErrorMeters errors = new ForecasterMetrics(registry).error("shadow", "fleet@2", 1, "oil");
        errors.record(0.5);
        errors.publish();

        assertThat(first.liveErrors()).singleElement().satisfies(e -> assertThat(e.absSum()).isEqualTo(0.5));
        assertThat(registry.scrape().lines().filter(l -> l.startsWith("forecaster_abs_error_sum"))).hasSize(1);
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
