package dev.streamcast.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

import java.util.EnumSet;
import java.util.Set;

/**
 * Alive unless the Kafka Streams client has stopped for good ({@code PENDING_ERROR}, {@code ERROR},
 * {@code NOT_RUNNING}): a process whose stream is dead does nothing, so its orchestrator should
 * restart it. Starting, rebalancing or restoring are readiness matters. Reports the state and, when
 * the stream failed, the exception with its causes.
 */
@Liveness
@ApplicationScoped
public class StreamLiveness implements HealthCheck {

    static final Set<KafkaStreams.State> DEAD = EnumSet.of(KafkaStreams.State.PENDING_ERROR, KafkaStreams.State.ERROR,
            KafkaStreams.State.NOT_RUNNING);

    @Inject
    KafkaStreams streams;

    @Inject
    StreamFailure failures;

    @ConfigProperty(name = "quarkus.application.name", defaultValue = "streamcast")
    String service;

    @Override
    public HealthCheckResponse call() {
        KafkaStreams.State state = streams.state();
        HealthCheckResponseBuilder response = HealthCheckResponse.named(service + " stream alive")
                .status(!DEAD.contains(state))
                .withData("state", state.name());
        Throwable failure = failures.failure();
        if (failure != null) {
            response.withData("error", StreamFailure.describe(failure));
        }
        return response.build();
    }
}
