package dev.streamcast.ingest.topics;

import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.ingest.IngestSettings;
import dev.streamcast.testkit.KafkaFixture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The start-up check against the configs a real broker reports. */
class StartupCheckTest {

    @RegisterExtension
    static final KafkaFixture kafka = new KafkaFixture();

    @Test
    void missingTopicsAndATooSmallMessageLimitAreRefusedWithTheBrokersOwnValues() throws Exception {
        IngestSettings defaults = IngestSettings.defaults();
        kafka.createTopics(List.of(Topics.FEATURES));
        try (Admin admin = kafka.admin()) {
            assertThatThrownBy(() -> StartupCheck.check(admin, defaults, 1_048_576, Duration.ofSeconds(1)))
                    .hasMessage("ingest does not start: topics [ingest-dlq, feature-specs] do not exist; create them first"
                            + " (./streamcast broker creates every streamcast topic, with the settings of contracts/README.md)");

            kafka.createTopics(List.of(Topics.INGEST_DLQ, Topics.FEATURE_SPECS));
            StartupCheck.check(admin, defaults, 1_048_576, StartupCheck.TOPIC_WAIT); // just created: they take a moment to show

            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, Topics.FEATURES.name()),
                    List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", "1000"), AlterConfigOp.OpType.SET)))).all().get();
            // the broker takes a moment to report a config change
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThatThrownBy(() -> StartupCheck.check(admin, defaults,
                    1_048_576, StartupCheck.TOPIC_WAIT)).hasMessage("ingest does not start: a vector of 43 features (ingest.channels x ingest.aggregates,"
                    + " plus text features) encoded as json (streamcast.encoding.features) takes up to 2319 bytes as a record, more"
                    + " than max.message.bytes=1000 of topic features: raise it, or configure fewer features"));
        }
    }
}
