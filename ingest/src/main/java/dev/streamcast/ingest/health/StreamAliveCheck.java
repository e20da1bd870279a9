package dev.streamcast.ingest.health;

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
 * Alive unless the Kafka Streams client has stopped for good ({@code PENDING_ERROR}, {@code ERROR},
 * {@code NOT_RUNNING}): a process whose stream is dead does nothing, so its orchestrator should
 * restart it. Reports the state and, when the stream failed, the exception.
 */
@Liveness
@ApplicationScoped
public class StreamAliveCheck implements HealthCheck {

    static final Set<KafkaStreams.State> DEAD = EnumSet.of(KafkaStreams.State.PENDING_ERROR, KafkaStreams.State.ERROR,
            KafkaStreams.State.NOT_RUNNING);

    @Inject
    KafkaStreams streams;

    @Inject
    StreamFailureHandler failures;

    @Override
    public HealthCheckResponse call() {
        KafkaStreams.State state = streams.state();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("ingest stream alive")
                .status(!DEAD.contains(state))
                .withData("state", state.name());
        Throwable failure = failures.failure();
        if (failure != null) {
            response.withData("error", describe(failure));
        }
        return response.build();
    }

    /** The exception and each cause, outermost first: the root cause says what to fix. */
    static String describe(Throwable exception) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (!text.isEmpty()) {
                text.append("; caused by ");
            }
            text.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
            if (text.length() > 4000) {
                break;
            }
        }
        return text.toString();
    }
}
