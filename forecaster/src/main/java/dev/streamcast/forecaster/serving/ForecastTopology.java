package dev.streamcast.forecaster.serving;

import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.forecaster.ForecasterSettings;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.model.ModelSlot;
import dev.streamcast.forecaster.state.EntityPages;
import dev.streamcast.streams.PreCommitStore;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

import java.util.ArrayList;
import java.util.List;

/**
 * The whole forecaster data flow:
 * <pre>
 *  feature-specs ──> [feature-specs] (global: spec id -> names)
 *                            │
 *  features ──> forecast ────┼──> forecasts          (the served alias, e.g. champion)
 *               [entity-state-served, ─> forecasts-shadow   (the shadow alias, e.g. challenger, when enabled)
 *                entity-state-shadow, ─> forecaster-dlq     (refused vectors, original bytes + reason)
 *                held-vectors]            (vectors waiting for their spec)
 * </pre>
 * Vectors are read as bytes and decoded in {@code forecast}, so no deserializer can fail a stream thread.
 */
public final class ForecastTopology {

    public static final String FEATURES_SOURCE = "features-source";
    public static final String SPECS_SOURCE = "feature-specs-source";
    public static final String SPECS_STORE = "feature-specs";
    public static final String SPECS_UPDATER = "feature-specs-updater";
    public static final String FORECAST = "forecast";
    public static final String STATE_STORE_PREFIX = "entity-state-";
    /** Vectors waiting for their spec ({@link HeldVectors}). */
    public static final String HELD_STORE = "held-vectors";

    private ForecastTopology() {
    }

    /** The sink a slot's forecasts go through. */
    public static String sinkName(ModelSlot slot) {
        return slot.sinkTopic() + "-sink";
    }

    public static String stateStore(ModelSlot slot) {
        return STATE_STORE_PREFIX + slot.role();
    }

    public static Topology build(ForecasterSettings settings, List<ModelSlot> slots, ForecasterMetrics metrics) {
        Topology topology = new Topology();
        topology.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(SPECS_STORE), Serdes.String(),
                        Serdes.ByteArray()).withLoggingDisabled(), SPECS_SOURCE, new StringDeserializer(), new ByteArrayDeserializer(),
                Topics.FEATURE_SPECS.name(), SPECS_UPDATER, SpecUpdater::new);
        List<String> stores = new ArrayList<>();
        for (ModelSlot slot : slots) {
            stores.add(stateStore(slot));
        }
        topology.addSource(FEATURES_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), Topics.FEATURES.name());
        topology.addProcessor(FORECAST, () -> new ForecastProcessor(settings, slots, metrics, SPECS_STORE, stores, HELD_STORE),
                FEATURES_SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(settings.inMemoryStore() ? Stores.inMemoryKeyValueStore(HELD_STORE)
                : Stores.persistentKeyValueStore(HELD_STORE), Serdes.String(), Serdes.ByteArray()), FORECAST);
        for (String store : stores) {
            KeyValueBytesStoreSupplier supplier = settings.inMemoryStore()
                    ? Stores.inMemoryKeyValueStore(store) : Stores.persistentKeyValueStore(store);
            // not cached: an entity's state is written once per step (PreCommitStore lets the slot write the inputs
            // still waiting for their batch just before a commit, SlotStepper), and EntityStore keeps the states decoded
            // for the next step's read. A record cache would hold every state's bytes from one step to the next: garbage
            // that outlives young collections, so at 10^5 entities every fleet-wide step ended in long GC pauses
            topology.addStateStore(PreCommitStore.wrapping(Stores.keyValueStoreBuilder(supplier, Serdes.String(), Serdes.ByteArray())
                    .withCachingDisabled()), FORECAST);
        }
        // the live page's recent actuals and latest forecasts, one entry per entity (in memory, not changelogged)
        topology.addStateStore(EntityPages.builder(slots.size()), FORECAST);
        for (ModelSlot slot : slots) {
            topology.addSink(sinkName(slot), slot.sinkTopic(), new ByteArraySerializer(), new ByteArraySerializer(), FORECAST);
        }
        topology.addSink(ForecastProcessor.DLQ_CHILD, Topics.FORECASTER_DLQ.name(), new ByteArraySerializer(),
                new ByteArraySerializer(), FORECAST);
        return topology;
    }

    /** Keeps the global spec store equal to the compacted feature-specs topic. */
    static final class SpecUpdater implements Processor<String, byte[], Void, Void> {
        private KeyValueStore<String, byte[]> store;

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore(SPECS_STORE);
        }

        @Override
        public void process(Record<String, byte[]> record) {
            if (record.key() == null) {
                return;
            }
            if (record.value() == null) {
                store.delete(record.key());
            } else {
                store.put(record.key(), record.value());
            }
        }
    }
}
