package dev.streamcast.forecaster.state;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The hash-map store behind the live page's stores, through the same builder and serdes the topology uses. */
class HashStoreTest {

    KeyValueStore<String, byte[]> store;

    @BeforeEach
    void open() {
        store = Stores.keyValueStoreBuilder(HashStore.supplier("page"), Serdes.String(), Serdes.ByteArray()).withLoggingDisabled()
                .build();
        store.init(new MockProcessorContext<>().getStateStoreContext(), store);
    }

    @Test
    void putsGetsDeletesAndCountsByKey() {
        byte[] one = {1};
        store.put("e1", one);
        store.put("e2", new byte[]{2});
        assertThat(store.get("e1")).as("the array it holds, not a copy").isSameAs(one);
        assertThat(store.putIfAbsent("e1", new byte[]{9})).containsExactly(1);
        assertThat(store.putIfAbsent("e3", new byte[]{3})).isNull();
        assertThat(store.approximateNumEntries()).isEqualTo(3);
        assertThat(store.delete("e2")).containsExactly(2);
        store.put("e3", null);
        assertThat(store.get("e2")).isNull();
        assertThat(store.get("e3")).isNull();
        store.putAll(List.of(KeyValue.pair("e4", new byte[]{4}), KeyValue.pair("e5", new byte[]{5})));
        assertThat(keys(store.all())).containsExactly("e1", "e4", "e5");
    }

    @Test
    void rangeIsInKeyOrderWithInclusiveBoundsAndPeeks() {
        for (String k : List.of("d", "a", "c", "e", "b")) {
            store.put(k, new byte[]{(byte) k.charAt(0)});
        }
        assertThat(keys(store.range("b", "d"))).containsExactly("b", "c", "d");
        assertThat(keys(store.range(null, "b"))).containsExactly("a", "b");
        try (KeyValueIterator<String, byte[]> it = store.range("d", null)) {
            assertThat(it.peekNextKey()).isEqualTo("d");
            assertThat(it.next().key).isEqualTo("d");
            assertThat(it.next().key).isEqualTo("e");
            assertThat(it.hasNext()).isFalse();
            assertThatThrownBy(it::peekNextKey).isInstanceOf(java.util.NoSuchElementException.class);
        }
    }

    @Test
    void closingEmptiesIt() {
        store.put("e1", new byte[]{1});
        assertThat(store.isOpen()).isTrue();
        assertThat(store.persistent()).isFalse();
        store.close();
        assertThat(store.isOpen()).isFalse();
    }

    private static List<String> keys(KeyValueIterator<String, byte[]> it) {
        List<String> keys = new ArrayList<>();
        try (it) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        return keys;
    }
}
