package dev.streamcast.forecaster.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.jboss.logging.Logger;

/**
 * What happens when an exception escapes a stream thread (a record's own failures never do: they
 * go to the DLQ): the whole Kafka Streams client shuts down into ERROR, so liveness goes DOWN and
 * an orchestrator restarts the process, which resumes from the last commit. Replacing the thread
 * instead would retry a deterministic failure forever inside a process that looks alive.
 * Quarkus installs this bean as the client's handler.
 */
@ApplicationScoped
public class StreamFailure implements StreamsUncaughtExceptionHandler {

    private static final Logger LOG = Logger.getLogger(StreamFailure.class);

    private volatile String failure;

    @Override
    public StreamThreadExceptionResponse handle(Throwable exception) {
        failure = exception.toString() + (exception.getCause() == null ? "" : " (cause: " + exception.getCause() + ")");
        LOG.errorf(exception, "a stream thread failed; the forecaster's stream shuts down (liveness DOWN, to be restarted): %s",
                failure);
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    /** The exception that stopped the stream, or null. */
    public String failure() {
        return failure;
    }
}
