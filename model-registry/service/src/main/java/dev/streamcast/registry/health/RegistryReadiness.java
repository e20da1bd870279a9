package dev.streamcast.registry.health;

import dev.streamcast.registry.artifacts.FileArtifactStore;
import dev.streamcast.registry.events.EventPublisher;
import dev.streamcast.registry.store.RegistryStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.nio.file.Files;

/**
 * Ready when the database answers a query on the registry's own tables (so migrations ran) and
 * the artifact folder is writable. The events outbox is reported (pending events, last error)
 * but does not make the registry unready: reads and writes work while the broker is away, and
 * the events follow when it is back.
 */
@Readiness
@ApplicationScoped
public class RegistryReadiness implements HealthCheck {

    @Inject
    RegistryStore store;

    @Inject
    FileArtifactStore artifacts;

    @Inject
    EventPublisher events;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("registry").up();
        try {
            store.ping();
            response.withData("database", "ok");
        } catch (RuntimeException e) {
            response.down().withData("database", e.getMessage());
        }
        boolean writable = Files.isDirectory(artifacts.root()) && Files.isWritable(artifacts.root());
        response.withData("artifacts", writable ? artifacts.describe() : "not writable: " + artifacts.root());
        if (!writable) {
            response.down();
        }
        try {
            response.withData("eventsPending", store.pendingEventCount());
        } catch (RuntimeException e) {
            response.withData("eventsPending", "unknown");
        }
        if (events.lastError() != null) {
            response.withData("eventsLastError", events.lastError());
        }
        return response.build();
    }
}
