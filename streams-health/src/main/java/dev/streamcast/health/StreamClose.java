package dev.streamcast.health;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Closes the stream on shutdown, before Quarkus would, within {@code streamcast.close.timeout} and
 * leaving the consumer group or not ({@code streamcast.close.leave-group}). Kafka Streams never
 * leaves the group on a plain close, so a stopped member's partitions would wait for the session
 * timeout before another instance takes them: {@code auto} leaves unless the instance is a static
 * member ({@code kafka-streams.group.instance.id} set, a pod name), whose restart should get the same
 * partitions back without a rebalance; {@code true} for a deliberate scale-down of static members.
 */
@ApplicationScoped
public class StreamClose {

    private static final Logger LOG = Logger.getLogger(StreamClose.class);

    @Inject
    KafkaStreams streams;

    @ConfigProperty(name = "streamcast.close.leave-group", defaultValue = "auto")
    String leaveGroup;

    @ConfigProperty(name = "streamcast.close.timeout", defaultValue = "PT30S")
    Duration timeout;

    @ConfigProperty(name = "kafka-streams.group.instance.id")
    Optional<String> instanceId;

    void check(@Observes StartupEvent event) {
        leaves(leaveGroup, false); // a bad setting fails the start, not the shutdown
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("streamcast.close.timeout must be positive, got " + timeout);
        }
    }

    void close(@Observes @Priority(100) ShutdownEvent event) {
        boolean leave = leaves(leaveGroup, instanceId.filter(id -> !id.isBlank()).isPresent());
        long start = System.nanoTime();
        boolean closed = streams.close(new KafkaStreams.CloseOptions().leaveGroup(leave).timeout(timeout));
        LOG.infof("stream closed%s in %d ms%s", leave ? ", group left," : " (still a member until its session times out)",
                (System.nanoTime() - start) / 1_000_000, closed ? "" : ": not within streamcast.close.timeout " + timeout);
    }

    /** Whether a close leaves the group, for {@code setting} (auto, true, false) and a static or dynamic member. */
    static boolean leaves(String setting, boolean staticMember) {
        return switch (setting.strip().toLowerCase(Locale.ROOT)) {
            case "auto" -> !staticMember;
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("streamcast.close.leave-group must be auto, true or false, got '"
                    + setting + "'");
        };
    }
}
