package dev.streamcast.forecaster.state;

import dev.streamcast.contracts.state.StateFormat;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/** An in-memory store initialised through Kafka's {@link MockProcessorContext}, with the metrics it feeds. */
final class StoreFixture {

    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final ForecasterMetrics metrics = new ForecasterMetrics(meters);
    final KeyValueStore<String, byte[]> kv;

    StoreFixture() {
        MockProcessorContext<byte[], byte[]> context = new MockProcessorContext<>();
        kv = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("entity-state-served"), Serdes.String(), Serdes.ByteArray())
                .withLoggingDisabled().build();
        kv.init(context.getStateStoreContext(), kv);
    }

    /** State a newer release wrote. */
    static byte[] newerVersion() {
        return new StateFormat(EntityStateFormat.FORMAT.name(), EntityStateFormat.FORMAT.version() + 1).allocate(40).array();
    }

    double gauge(String name) {
        return meters.find(name).tags("slot", "served").gauge().value();
    }

    double discarded() {
        var counter = meters.find("forecaster_state_discarded").tags("slot", "served").counter();
        return counter == null ? 0 : counter.count();
    }
}
