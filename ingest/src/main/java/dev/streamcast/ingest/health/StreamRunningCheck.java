package dev.streamcast.ingest.health;

import dev.streamcast.health.Restorations;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only while the Kafka Streams application is RUNNING and no state store is being restored
 * from its changelog (not while starting, rebalancing, restoring or dead).
 */
@Readiness
@ApplicationScoped
public class StreamRunningCheck implements HealthCheck {

    @Inject
    KafkaStreams streams;

    @Inject
    Restorations restorations;

    @Override
    public HealthCheckResponse call() {
        KafkaStreams.State state = streams.state();
        int restoring = restorations.inProgress();
        return HealthCheckResponse.named("ingest stream")
                .status(state == KafkaStreams.State.RUNNING && restoring == 0)
                .withData("state", state.name())
                .withData("restoring", restoring)
                .build();
    }
}
