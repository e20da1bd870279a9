package dev.streamcast.forecaster.state;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An in-memory key-value store on a hash map, for stores read and written by key only (the live
 * page's {@code recent-actuals} and {@code latest-forecast-*}): Kafka's in-memory store is a sorted
 * map, and with 10^5 entities its comparisons of key bytes were about a tenth of the forecaster's CPU
 * ({@code bench forecaster}). Gets and puts are O(1) on a concurrent map, so interactive queries may
 * read while the stream thread writes; {@code all} and {@code range} copy and sort the entries they
 * match (the order Kafka Streams' record cache relies on when it merges a store's entries with its
 * own), which is fine for a rare query and is kept off the hot path: a store iterated per record or
 * per window close (ingest's windows) belongs in Kafka's sorted stores.
 *
 * <p>Not persistent: a changelogged one is restored from its changelog like Kafka's in-memory store.
 */
public final class HashStore implements KeyValueStore<Bytes, byte[]> {

    private final String name;
    private final Map<Bytes, byte[]> map = new ConcurrentHashMap<>();
    private volatile boolean open;

    private HashStore(String name) {
        this.name = name;
    }

    /** A supplier for {@link org.apache.kafka.streams.state.Stores#keyValueStoreBuilder}. */
    public static KeyValueBytesStoreSupplier supplier(String name) {
        return new KeyValueBytesStoreSupplier() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public KeyValueStore<Bytes, byte[]> get() {
                return new HashStore(name);
            }

            @Override
            public String metricsScope() {
                return "in-memory-hash";
            }
        };
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        context.register(root, (key, value) -> {
            if (value == null) {
                map.remove(Bytes.wrap(key));
            } else {
                map.put(Bytes.wrap(key), value);
            }
        });
        open = true;
    }

    @Override
    public void put(Bytes key, byte[] value) {
        if (value == null) {
            map.remove(key);
        } else {
            map.put(key, value);
        }
    }

    @Override
    public byte[] putIfAbsent(Bytes key, byte[] value) {
        byte[] old = map.get(key);
        if (old == null) {
            put(key, value);
        }
        return old;
    }

    @Override
    public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
        for (KeyValue<Bytes, byte[]> entry : entries) {
            put(entry.key, entry.value);
        }
    }

    @Override
    public byte[] delete(Bytes key) {
        return map.remove(key);
    }

    @Override
    public byte[] get(Bytes key) {
        return map.get(key);
    }

    /** The entries with {@code from <= key <= to} (either bound null: open), in key order. */
    @Override
    public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
        List<KeyValue<Bytes, byte[]>> matched = new ArrayList<>();
        map.forEach((k, v) -> {
            if ((from == null || k.compareTo(from) >= 0) && (to == null || k.compareTo(to) <= 0)) {
                matched.add(KeyValue.pair(k, v));
            }
        });
        matched.sort((a, b) -> a.key.compareTo(b.key));
        return new Entries(matched.iterator());
    }

    /** Every entry, in key order: Kafka Streams' own layers (a record cache merging its entries in) expect a sorted store. */
    @Override
    public KeyValueIterator<Bytes, byte[]> all() {
        return range(null, null);
    }

    @Override
    public long approximateNumEntries() {
        return map.size();
    }

    @Override
    public void flush() {
        // nothing to write: the map is the store
    }

    @Override
    public void close() {
        map.clear();
        open = false;
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    /** An iterator over entries already taken from the map. */
    private static final class Entries implements KeyValueIterator<Bytes, byte[]> {
        private final Iterator<KeyValue<Bytes, byte[]>> entries;
        private KeyValue<Bytes, byte[]> next;

        Entries(Iterator<KeyValue<Bytes, byte[]>> entries) {
            this.entries = entries;
        }

        @Override
        public boolean hasNext() {
            return next != null || entries.hasNext();
        }

        @Override
        public KeyValue<Bytes, byte[]> next() {
            if (next != null) {
                KeyValue<Bytes, byte[]> n = next;
                next = null;
                return n;
            }
            if (!entries.hasNext()) {
                throw new NoSuchElementException();
            }
            return entries.next();
        }

        @Override
        public Bytes peekNextKey() {
            if (next == null) {
                if (!entries.hasNext()) {
                    throw new NoSuchElementException();
                }
                next = entries.next();
            }
            return next.key;
        }

        @Override
        public void close() {
        }
    }
}
