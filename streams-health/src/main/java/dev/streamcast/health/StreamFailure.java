package dev.streamcast.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * What happens when an exception escapes a stream thread (a handler that answered FAIL, or a fatal
 * Kafka Streams error; a record's own failures go to the DLQ): the whole Kafka Streams client shuts
 * down into ERROR rather than a thread being replaced, which would retry a deterministic failure
 * forever inside a process that looks alive. The exception is kept for {@link StreamLiveness}, which
 * then reports the service dead for its orchestrator to restart; the restart resumes exactly once from
 * the last commit. Quarkus' Kafka Streams extension installs this bean on the client.
 */
@ApplicationScoped
public class StreamFailure implements StreamsUncaughtExceptionHandler {

    private static final Logger LOG = Logger.getLogger(StreamFailure.class);

    @ConfigProperty(name = "quarkus.application.name", defaultValue = "streamcast")
    String service;

    private volatile Throwable failure;

    @Override
    public StreamThreadExceptionResponse handle(Throwable exception) {
        failure = exception;
        LOG.errorf(exception, "the %s stream failed and is shut down (liveness is DOWN until the service is restarted): %s",
                service, describe(exception));
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    /** The exception that stopped the stream, or null while none has. */
    public Throwable failure() {
        return failure;
    }

    /** The exception and each cause, outermost first: the root cause says what to fix. */
    public static String describe(Throwable exception) {
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
