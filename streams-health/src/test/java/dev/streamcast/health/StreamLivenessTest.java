package dev.streamcast.health;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

class StreamLivenessTest {

    @Test
    void aStreamThatStoppedForGoodIsDeadAndSaysWhy() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "alive-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        props.put(StreamsConfig.STATE_DIR_CONFIG, "target/state-alive-test");
        Topology topology = new Topology();
        topology.addSource("in", "input").addSink("out", "output", "in");
        KafkaStreams streams = new KafkaStreams(topology, props);
        StreamLiveness check = new StreamLiveness();
        check.streams = streams;
        check.failures = new StreamFailure();
        check.service = "test";
        check.failures.service = "test";

        HealthCheckResponse created = check.call();
        assertThat(created.getStatus()).as("waiting to start is alive").isEqualTo(HealthCheckResponse.Status.UP);
        assertThat(created.getName()).isEqualTo("test stream alive");
        assertThat(created.getData().orElseThrow()).containsEntry("state", "CREATED").doesNotContainKey("error");

        StreamThreadExceptionResponse response = check.failures.handle(new StreamsException("Error encountered sending record to"
                + " topic features", new RecordTooLargeException("The request included a message larger than the max message size")));
        streams.close();
        HealthCheckResponse dead = check.call();

        assertThat(response).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        assertThat(dead.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
        assertThat(dead.getData().orElseThrow()).containsEntry("state", "NOT_RUNNING").containsEntry("error",
                "StreamsException: Error encountered sending record to topic features; caused by RecordTooLargeException: The"
                        + " request included a message larger than the max message size");
    }

    @Test
    void storesBeingRestoredAreCountedUntilTheirRestoreEndsOrMovesAway() {
        Restorations restorations = new Restorations();
        TopicPartition first = new TopicPartition("windows-changelog", 0);
        TopicPartition second = new TopicPartition("windows-changelog", 1);
        restorations.onRestoreStart(first, "windows", 0, 100);
        restorations.onRestoreStart(second, "windows", 0, 100);
        assertThat(restorations.inProgress()).isEqualTo(2);

        restorations.onRestoreEnd(first, "windows", 100);
        restorations.onRestoreSuspended(second, "windows", 10);
        assertThat(restorations.inProgress()).isZero();
    }
}
