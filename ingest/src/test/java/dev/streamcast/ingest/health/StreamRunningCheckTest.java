package dev.streamcast.ingest.health;

import dev.streamcast.health.Restorations;
import dev.streamcast.ingest.IngestSettings;
import dev.streamcast.ingest.windowing.IngestMetrics;
import dev.streamcast.ingest.windowing.TopologyProducer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

class StreamRunningCheckTest {

    @Test
    void aStreamThatIsNotRunningIsNotReadyAndSaysItsState() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "health-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
        props.put(StreamsConfig.STATE_DIR_CONFIG, "target/state-health-test");
        try (KafkaStreams streams = new KafkaStreams(
                TopologyProducer.build(IngestSettings.defaults(), new IngestMetrics(new SimpleMeterRegistry())), props)) {
            StreamRunningCheck check = new StreamRunningCheck();
            check.streams = streams;
            check.restorations = new Restorations();

            HealthCheckResponse created = check.call();

            assertThat(created.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
            assertThat(created.getData().orElseThrow()).containsEntry("state", "CREATED");
        }
    }
}
