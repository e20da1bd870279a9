package dev.streamcast.forecaster.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

import java.util.EnumSet;
import java.util.Set;

/**
 * Live unless the stream has stopped for good (ERROR, or shut down): a process whose stream is dead
 * does nothing, so an orchestrator should restart it. Starting, rebalancing and having no model are
 * readiness matters, not liveness.
 */
@Liveness
@ApplicationScoped
public class ForecasterLiveness implements HealthCheck {

    static final Set<KafkaStreams.State> DEAD = EnumSet.of(KafkaStreams.State.PENDING_ERROR, KafkaStreams.State.ERROR,
            KafkaStreams.State.PENDING_SHUTDOWN, KafkaStreams.State.NOT_RUNNING);

    @Inject
    KafkaStreams streams;

    @Inject
    StreamFailure failure;

    @Override
    public HealthCheckResponse call() {
        KafkaStreams.State state = streams.state();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("forecaster stream").status(!DEAD.contains(state))
                .withData("stream", state.name());
        if (failure.failure() != null) {
            response.withData("failure", failure.failure());
        }
        return response.build();
    }
}
