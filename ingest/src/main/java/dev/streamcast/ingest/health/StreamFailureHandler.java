package dev.streamcast.ingest.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.jboss.logging.Logger;

/**
 * What happens when a stream thread dies (a handler in {@link CountingExceptionHandlers} failed it,
 * or Kafka Streams hit a fatal error): the Kafka Streams client is shut down (its state becomes
 * {@code ERROR}) rather than a thread replaced, so the same record does not fail again in a loop,
 * and the exception is kept for {@link StreamAliveCheck}, which then reports the application dead
 * for its orchestrator to restart. Quarkus' Kafka Streams extension installs this bean on the client.
 */
@ApplicationScoped
public class StreamFailureHandler implements StreamsUncaughtExceptionHandler {

    private static final Logger LOG = Logger.getLogger(StreamFailureHandler.class);

    private volatile Throwable failure;

    @Override
    public StreamThreadExceptionResponse handle(Throwable exception) {
        failure = exception;
        LOG.errorf(exception, "the ingest stream failed and is shut down (liveness is DOWN until ingest is restarted): %s",
                StreamAliveCheck.describe(exception));
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    /** The exception that stopped the stream, or null while none has. */
    public Throwable failure() {
        return failure;
    }
}
