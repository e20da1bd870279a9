package dev.streamcast.ingest.health;

import dev.streamcast.ingest.IngestSettings;
import dev.streamcast.ingest.windowing.IngestMetrics;
import dev.streamcast.ingest.windowing.TopologyProducer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

class StreamAliveCheckTest {

    @Test
    void aStreamThatStoppedForGoodIsDeadAndSaysWhy() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "alive-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        props.put(StreamsConfig.STATE_DIR_CONFIG, "target/state-alive-test");
        KafkaStreams streams = new KafkaStreams(
                TopologyProducer.build(IngestSettings.defaults(), new IngestMetrics(new SimpleMeterRegistry())), props);
        StreamAliveCheck check = new StreamAliveCheck();
        check.streams = streams;
        check.failures = new StreamFailureHandler();

        HealthCheckResponse created = check.call();
        assertThat(created.getStatus()).as("waiting to start is alive").isEqualTo(HealthCheckResponse.Status.UP);
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
}
