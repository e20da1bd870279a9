package dev.streamcast.streams;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RocksDbMemtablesTest {

    private final RocksDbMemtables setter = new RocksDbMemtables();

    @Test
    void everyStoreGetsTheConfiguredMemtableAndOneBudgetSharedByTheProcess() {
        try (Options first = new Options(); Options second = new Options(); Options defaults = new Options()) {
            setter.setConfig("entity-state-served", first, Map.of(RocksDbMemtables.MEMTABLE_BYTES, "33554432"));
            setter.setConfig("held-vectors", second, Map.of(RocksDbMemtables.MEMTABLE_BYTES, 8L << 20));
            setter.setConfig("entity-windows", defaults, Map.of());

            assertThat(first.writeBufferSize()).isEqualTo(32L << 20);
            assertThat(second.writeBufferSize()).isEqualTo(8L << 20);
            assertThat(defaults.writeBufferSize()).isEqualTo(RocksDbMemtables.DEFAULT_MEMTABLE_BYTES).isEqualTo(64L << 20);
            assertThat(first.writeBufferManager()).isNotNull().isSameAs(second.writeBufferManager())
                    .isSameAs(defaults.writeBufferManager());
        }
    }

    @Test
    void aBadSettingIsRefusedNamingItAndTheValue() {
        try (Options options = new Options()) {
            assertThatThrownBy(() -> setter.setConfig("s", options, Map.of(RocksDbMemtables.MEMTABLE_BYTES, "64MB")))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(RocksDbMemtables.MEMTABLE_BYTES).hasMessageContaining("64MB")
                    .hasMessageContaining("number of bytes");
            assertThatThrownBy(() -> setter.setConfig("s", options, Map.of(RocksDbMemtables.MEMTABLE_BYTES, "4096")))
                    .isInstanceOf(ConfigException.class).hasMessageContaining("4096").hasMessageContaining("at least 1048576");
            assertThatThrownBy(() -> setter.setConfig("s", options, Map.of(RocksDbMemtables.MEMTABLE_BYTES, String.valueOf(512L << 20))))
                    .isInstanceOf(ConfigException.class).hasMessageContaining(RocksDbMemtables.TOTAL_BYTES)
                    .hasMessageContaining("must be at least " + RocksDbMemtables.MEMTABLE_BYTES);
            setter.setConfig("s", options, Map.of()); // the process's budget: the default total
            assertThatThrownBy(() -> setter.setConfig("s", options, Map.of(RocksDbMemtables.TOTAL_BYTES, String.valueOf(128L << 20))))
                    .isInstanceOf(ConfigException.class).hasMessageContaining(RocksDbMemtables.TOTAL_BYTES)
                    .hasMessageContaining("already share a budget of " + RocksDbMemtables.DEFAULT_TOTAL_BYTES);
        }
    }

    @Test
    void aRocksDbStoreOpenedByKafkaStreamsWithItKeepsWhatIsWrittenPastSeveralMemtables(@TempDir Path stateDir) {
        Topology topology = new Topology();
        topology.addSource("in", Serdes.String().deserializer(), Serdes.String().deserializer(), "in");
        topology.addProcessor("put", () -> new Processor<String, String, Void, Void>() {
            private KeyValueStore<String, byte[]> store;

            @Override
            public void init(ProcessorContext<Void, Void> context) {
                store = context.getStateStore("states");
            }

            @Override
            public void process(Record<String, String> record) {
                store.put(record.key(), new byte[Integer.parseInt(record.value())]);
            }
        }, "in");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore("states"), Serdes.String(),
                Serdes.ByteArray()).withCachingDisabled(), "put");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "rocksdb-memtables");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, RocksDbMemtables.class.getName());
        props.put(RocksDbMemtables.MEMTABLE_BYTES, String.valueOf(1L << 20)); // 1 MiB: the 3 MiB below fill several

        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props)) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            for (int round = 0; round < 3; round++) {
                for (int e = 0; e < 300; e++) {
                    in.pipeInput("e" + e, String.valueOf(3_000 + round));
                }
            }
            KeyValueStore<String, byte[]> states = driver.getKeyValueStore("states");
            int entries = 0;
            try (var all = states.all()) {
                while (all.hasNext()) {
                    assertThat(all.next().value).hasSize(3_002); // each key's last version, from memtable or flushed files
                    entries++;
                }
            }
            assertThat(entries).isEqualTo(300);
        }
    }
}
