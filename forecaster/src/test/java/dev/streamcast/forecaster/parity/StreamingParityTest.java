package dev.streamcast.forecaster.parity;

import dev.streamcast.trainer.testing.TestBundles;
import dev.streamcast.contracts.records.SensorReading;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.forecaster.TestStream;
import dev.streamcast.testkit.KafkaFixture;
import dev.streamcast.trainer.data.Mode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Sensor readings through ingest and the forecaster on a real broker give the offline sequence forecasts. */
class StreamingParityTest {

    @RegisterExtension
    static final KafkaFixture kafka = new KafkaFixture();

    static final List<String> CHANNELS = List.of("load_mw", "oil_c", "voltage_kv");

    @TempDir
    Path dir;

    @Test
    void forecastsStreamedThroughIngestAndTheForecasterEqualTheOfflineSequenceGraph() throws Exception {
        kafka.createTopics(Topics.ALL);
        TestStream.bundle(dir.resolve("bundles"), "fleet", 1, "gru", Mode.M);
        TestBundles.alias(dir.resolve("bundles"), "fleet", "champion", 1);
        Map<String, List<SensorReading>> readings = new LinkedHashMap<>();
        int steps = 60;
        for (int e = 0; e < 3; e++) {
            List<SensorReading> entity = new ArrayList<>();
            for (int s = 0; s < steps; s++) {
                Map<String, Double> values = new LinkedHashMap<>();
                for (int k = 0; k < CHANNELS.size(); k++) {
                    values.put(CHANNELS.get(k), TestStream.value(e, s, k));
                }
                entity.add(new SensorReading(TestStream.START + s * TestStream.STEP + 1_000, values));
            }
            readings.put("transformer-" + e, entity);
        }

        StreamingParity.Result result = StreamingParity.run(kafka.bootstrapServers(), dir.resolve("state"), dir.resolve("bundles"),
                "fleet", new StreamingParity.Replay(readings, TestStream.STEP), CHANNELS, Duration.ofSeconds(90));

        assertThat(result.vectors()).isEqualTo(3 * (steps - 1));
        assertThat(result.forecasts()).isEqualTo(3 * (steps - 1 - TestStream.LOOKBACK + 1));
        assertThat(result.maxAbsDiff()).isLessThanOrEqualTo(1e-4);
    }
}
