package dev.streamcast.streams;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PreCommitStoreTest {

    @Test
    void theWriterRunsBeforeTheStoreIsFlushedAndIsFoundUnderKafkaStreamsDecorators() {
        KeyValueStore<String, byte[]> built = PreCommitStore.wrapping(Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore("s"), Serdes.String(), Serdes.ByteArray()).withLoggingDisabled()).build();
        built.init(new MockProcessorContext<>().getStateStoreContext(), built);
        PreCommitStore store = PreCommitStore.under(built);
        assertThat(store).isSameAs(built);
        List<String> calls = new ArrayList<>();
        store.beforeCommit(() -> {
            calls.add("writer");
            built.put("waiting", new byte[]{1});
        });
        store.flushCache();
        store.flush();
        assertThat(calls).containsExactly("writer", "writer");
        assertThat(built.get("waiting")).containsExactly(1);
        assertThat(PreCommitStore.under(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("plain"), Serdes.String(),
                Serdes.ByteArray()).build())).isNull();
    }
}
