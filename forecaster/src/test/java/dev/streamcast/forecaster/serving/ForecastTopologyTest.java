package dev.streamcast.forecaster.serving;

import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.forecaster.TestSettings;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.model.DirectoryBundleSource;
import dev.streamcast.forecaster.model.ModelLoader;
import dev.streamcast.forecaster.model.ModelSlot;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The forecaster's topology as its Kafka Streams settings assume it: a task reads one partition of
 * {@code features} and nothing else (the specs are a global store), which is what makes
 * {@code max.task.idle.ms=-1} give the same result as Kafka's default, without its per-record check.
 */
class ForecastTopologyTest {

    @TempDir
    Path bundles;

    @Test
    void aTaskReadsFeaturesAloneSoItNeverWaitsForAnotherPartition() throws Exception {
        ForecasterMetrics metrics = new ForecasterMetrics(new SimpleMeterRegistry());
        DirectoryBundleSource source = new DirectoryBundleSource(bundles);
        ModelLoader loader = new ModelLoader(ModelLoader.Provider.CPU, 0, 1);
        try (ModelSlot served = new ModelSlot("served", "fleet", "champion", Topics.FORECASTS.name(), source, loader, metrics);
             ModelSlot shadow = new ModelSlot("shadow", "fleet", "challenger", Topics.FORECASTS_SHADOW.name(), source, loader, metrics)) {
            TopologyDescription description = ForecastTopology.build(TestSettings.of(bundles, "fleet", 8, true),
                    List.of(served, shadow), metrics).describe();

            assertThat(description.subtopologies()).hasSize(1);
            Set<String> taskInputs = description.subtopologies().iterator().next().nodes().stream()
                    .filter(TopologyDescription.Source.class::isInstance)
                    .flatMap(node -> ((TopologyDescription.Source) node).topicSet().stream())
                    .collect(Collectors.toSet());
            assertThat(taskInputs).containsExactly(Topics.FEATURES.name());
            assertThat(description.globalStores()).singleElement()
                    .satisfies(global -> assertThat(global.source().topicSet()).containsExactly(Topics.FEATURE_SPECS.name()));
        }
        Properties application = new Properties();
        try (InputStream in = ForecastTopologyTest.class.getResourceAsStream("/application.properties")) {
            application.load(in);
        }
        assertThat(application.getProperty("kafka-streams.max.task.idle.ms")).isEqualTo("-1");
    }
}
