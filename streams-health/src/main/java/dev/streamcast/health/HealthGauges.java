package dev.streamcast.health;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.health.SmallRyeHealth;
import io.smallrye.health.SmallRyeHealthReporter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.function.Supplier;

/**
 * The service's health as metrics: {@code streamcast_ready} and {@code streamcast_live} are 1 while
 * {@code /q/health/ready} ({@code /q/health/live}) is UP and 0 while it is DOWN, computed at each
 * scrape from the very checks those endpoints run. An alert can then page on an instance that is
 * not ready (a forecaster without a model, a stream that is rebalancing for too long) from the
 * service's own metrics, without kube-state-metrics. Registered at start, so both exist from the
 * first scrape.
 */
@ApplicationScoped
public class HealthGauges {

    public static final String READY = "streamcast.ready";
    public static final String LIVE = "streamcast.live";

    void register(@Observes StartupEvent event, MeterRegistry registry, SmallRyeHealthReporter health) {
        Gauge.builder(READY, () -> up(health::getReadiness))
                .description("1 while the readiness checks are UP (/q/health/ready), 0 while DOWN").register(registry);
        Gauge.builder(LIVE, () -> up(health::getLiveness))
                .description("1 while the liveness checks are UP (/q/health/live), 0 while DOWN").register(registry);
    }

    /** 1 for UP; 0 for DOWN, and for checks that could not be run at all (a scrape must not hide a failure). */
    static double up(Supplier<SmallRyeHealth> checks) {
        try {
            return checks.get().isDown() ? 0 : 1;
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
