package dev.streamcast.forecaster.health;

import dev.streamcast.forecaster.ForecasterApplication;
import dev.streamcast.forecaster.model.ModelSlot;
import dev.streamcast.health.Restorations;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only with the stream RUNNING, no state store being restored, a model loaded (and not
 * failing) for the served alias and the model watcher running; otherwise it says why. A shadow slot
 * never blocks readiness.
 */
@Readiness
@ApplicationScoped
public class ForecasterReadiness implements HealthCheck {

    @Inject
    KafkaStreams streams;

    @Inject
    ForecasterApplication.Slots slots;

    @Inject
    ForecasterApplication application;

    @Inject
    Restorations restorations;

    @Override
    public HealthCheckResponse call() {
        KafkaStreams.State state = streams.state();
        ModelSlot served = slots.served();
        String problem = served.problem();
        String watcher = application.watcherProblem();
        int restoring = restorations.inProgress();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("forecaster")
                .status(state == KafkaStreams.State.RUNNING && restoring == 0 && problem == null && watcher == null)
                .withData("stream", state.name())
                .withData("model", served.current() == null ? "none" : served.current().ref());
        if (restoring > 0) {
            response.withData("restoring", restoring + " state store partitions");
        }
        if (problem != null) {
            response.withData("reason", problem);
        }
        if (watcher != null) {
            response.withData("watcher", watcher);
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
