package dev.streamcast.ingest.windowing;

import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.ingest.IngestConfig;
import dev.streamcast.ingest.IngestSettings;
import dev.streamcast.streams.PreCommitStore;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The whole ingest data flow:
 * <pre>
 *  sensor-readings ─┐                       ┌─> features       (one vector per entity per window)
 *                   ├─> windowing ──────────┼─> ingest-dlq     (refused records, original bytes + reason)
 *  text-events ─────┘   [entity-windows,    └─> feature-specs  (the spec every vector refers to)
 *                        stream-clock]
 * </pre>
 * Both inputs are read as bytes and decoded inside {@code windowing}, so no deserializer can
 * fail a stream thread: a bad record becomes a DLQ record with its reason and position.
 */
@ApplicationScoped
public class TopologyProducer {

    public static final String SENSOR_SOURCE = "sensor-readings-source";
    public static final String TEXT_SOURCE = "text-events-source";
    public static final String WINDOWING = "windowing";
    public static final String WINDOWS_STORE = "entity-windows";
    public static final String CLOCK_STORE = "stream-clock";
    public static final String FEATURES_SINK = "features-sink";
    public static final String DLQ_SINK = "ingest-dlq-sink";
    public static final String SPECS_SINK = "feature-specs-sink";

    @Produces
    @Singleton
    IngestMetrics metrics(MeterRegistry registry) {
        return new IngestMetrics(registry);
    }

    @Produces
    @Singleton
    IngestSettings settings(IngestConfig config,
                            @ConfigProperty(name = "streamcast.encoding.features", defaultValue = "json") String featuresEncoding) {
        return IngestSettings.from(config, featuresEncoding);
    }

    @Produces
    public Topology topology(IngestSettings settings, IngestMetrics metrics) {
        return build(settings, metrics);
    }

    public static Topology build(IngestSettings settings, IngestMetrics metrics) {
        FeatureLayout layout = new FeatureLayout(settings);
        KeyValueBytesStoreSupplier windowsStore = settings.inMemoryStore()
                ? Stores.inMemoryKeyValueStore(WINDOWS_STORE) : Stores.persistentKeyValueStore(WINDOWS_STORE);

        Topology topology = new Topology();
        topology.addSource(SENSOR_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), Topics.SENSOR_READINGS.name());
        topology.addSource(TEXT_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), Topics.TEXT_EVENTS.name());
        topology.addProcessor(WINDOWING, () -> new WindowingProcessor(settings, layout, metrics), SENSOR_SOURCE, TEXT_SOURCE);
        // written once per commit by the processor (PreCommitStore), not per record. In memory it is cached, so that
        // closing windows' two writes of an entity (before the scan, after the emit) fold into one changelog record per
        // commit. In RocksDB it is not: the cache would keep each entity's last bytes on the heap until evicted, garbage
        // that outlives young collections (at 10^5 entities, pauses of a tenth of a second in every fleet-wide close)
        StoreBuilder<KeyValueStore<String, byte[]>> windows = Stores.keyValueStoreBuilder(windowsStore, Serdes.String(), Serdes.ByteArray());
        topology.addStateStore(PreCommitStore.wrapping(settings.inMemoryStore() ? windows.withCachingEnabled()
                : windows.withCachingDisabled()), WINDOWING);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(CLOCK_STORE),
                Serdes.String(), Serdes.Long()), WINDOWING);
        topology.addSink(FEATURES_SINK, Topics.FEATURES.name(), new ByteArraySerializer(), new ByteArraySerializer(), WINDOWING);
        topology.addSink(DLQ_SINK, Topics.INGEST_DLQ.name(), new ByteArraySerializer(), new ByteArraySerializer(), WINDOWING);
        topology.addSink(SPECS_SINK, Topics.FEATURE_SPECS.name(), new ByteArraySerializer(), new ByteArraySerializer(), WINDOWING);
        return topology;
    }
}
