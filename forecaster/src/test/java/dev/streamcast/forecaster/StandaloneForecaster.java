package dev.streamcast.forecaster;

import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.model.DirectoryBundleSource;
import dev.streamcast.forecaster.model.ModelLoader;
import dev.streamcast.forecaster.model.ModelSlot;
import dev.streamcast.forecaster.serving.ForecastTopology;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/**
 * The forecaster's topology in a JVM of its own, for the crash test to kill with SIGKILL:
 * {@code <bootstrap> <state dir> <bundles dir> <model>}. It prints RUNNING once the stream runs.
 */
public final class StandaloneForecaster {

    private StandaloneForecaster() {
    }

    public static void main(String[] args) throws Exception {
        ForecasterSettings settings = TestSettings.of(Path.of(args[2]), args[3], 64, false);
        ForecasterMetrics metrics = new ForecasterMetrics(new SimpleMeterRegistry());
        ModelSlot slot = new ModelSlot("served", args[3], "champion", Topics.FORECASTS.name(), new DirectoryBundleSource(Path.of(args[2])),
                new ModelLoader(ModelLoader.Provider.CPU, 0, 1), metrics);
        if (!slot.loadFromAlias()) {
            throw new IllegalStateException(slot.problem());
        }
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "forecaster-crash-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(StreamsConfig.STATE_DIR_CONFIG, args[1]);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6000);
        props.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), 5000);
        KafkaStreams streams = new KafkaStreams(ForecastTopology.build(settings, List.of(slot), metrics), props);
        streams.setStateListener((now, before) -> {
            if (now == KafkaStreams.State.RUNNING) {
                System.out.println("RUNNING");
                System.out.flush();
            }
        });
        streams.start();
        Thread.currentThread().join();
    }
}
