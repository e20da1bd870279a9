package dev.streamcast.forecaster.health;

import dev.streamcast.forecaster.ForecasterApplication;
import dev.streamcast.forecaster.model.ModelSlot;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only with a model loaded for the served alias and the stream RUNNING; otherwise it says
 * why (no model and the reason, or the stream's state). A shadow slot never blocks readiness.
 */
@Readiness
@ApplicationScoped
public class ForecasterReadiness implements HealthCheck {

    @Inject
    KafkaStreams streams;

    @Inject
    ForecasterApplication.Slots slots;

    @Override
    public HealthCheckResponse call() {
        KafkaStreams.State state = streams.state();
        ModelSlot served = slots.served();
        String problem = served.problem();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("forecaster")
                .status(state == KafkaStreams.State.RUNNING && problem == null)
                .withData("stream", state.name())
                .withData("model", served.current() == null ? "none" : served.current().ref());
        if (problem != null) {
            response.withData("reason", problem);
        }
        String failure = served.lastFailure();
        if (failure != null && problem == null) {
            response.withData("lastFailure", failure);
        }
        for (ModelSlot slot : slots.all().subList(1, slots.all().size())) {
            response.withData(slot.role(), slot.current() == null ? "none: " + slot.problem() : slot.current().ref());
        }
        return response.build();
    }
}
