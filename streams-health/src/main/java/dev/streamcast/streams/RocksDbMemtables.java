package dev.streamcast.streams;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

import java.util.Map;

/**
 * Larger RocksDB memtables, bounded for the whole process: the services' stores are rewritten a
 * fleet at a time (every entity's state at each step, every entity's windows at each close), and
 * with Kafka Streams' 16 MiB memtables a store of some 25,000 entities flushed at every window
 * and compacted the same keys again every few; a memtable that holds several windows' writes
 * flushes each key's last version once. Every store's memtables together stay within one
 * process-wide budget (a RocksDB {@link WriteBufferManager} shared by all of them: past it, the
 * store being written flushes), so more tasks or slots on an instance never add up past it.
 *
 * <p>Set with {@code kafka-streams.rocksdb.config.setter} (both services' {@code
 * application.properties}); its two settings come through Kafka Streams' configuration, so in a
 * service they are {@code kafka-streams.}{@value #MEMTABLE_BYTES} and {@code kafka-streams.}{@value
 * #TOTAL_BYTES}. Block caches, compaction and the rest stay Kafka Streams' defaults.
 */
public final class RocksDbMemtables implements RocksDBConfigSetter {

    /** The size of one store's memtable, in bytes. */
    public static final String MEMTABLE_BYTES = "streamcast.rocksdb.memtable.bytes";
    /** What all the process's memtables may hold together, in bytes. */
    public static final String TOTAL_BYTES = "streamcast.rocksdb.memtables.total.bytes";
    static final long DEFAULT_MEMTABLE_BYTES = 64L << 20;
    static final long DEFAULT_TOTAL_BYTES = 256L << 20;
    private static final long MIN_BYTES = 1L << 20;

    private static WriteBufferManager shared;
    private static long sharedTotal;

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        long memtable = bytes(configs, MEMTABLE_BYTES, DEFAULT_MEMTABLE_BYTES);
        long total = bytes(configs, TOTAL_BYTES, DEFAULT_TOTAL_BYTES);
        if (total < memtable) {
            throw new ConfigException(TOTAL_BYTES, total, "must be at least " + MEMTABLE_BYTES + " (" + memtable + ")");
        }
        options.setWriteBufferSize(memtable);
        options.setWriteBufferManager(manager(total));
    }

    /** The budget every store of the process shares; a process runs one Kafka Streams configuration, so one total. */
    private static synchronized WriteBufferManager manager(long total) {
        if (shared == null) {
            // the cache only keeps the count (memtable memory is charged to it), it holds no blocks
            shared = new WriteBufferManager(total, new LRUCache(total));
            sharedTotal = total;
        } else if (sharedTotal != total) {
            throw new ConfigException(TOTAL_BYTES, total, "this process's stores already share a budget of " + sharedTotal
                    + " bytes: one Kafka Streams configuration per process");
        }
        return shared;
    }

    private static long bytes(Map<String, Object> configs, String key, long otherwise) {
        Object value = configs.get(key);
        if (value == null || value.toString().isBlank()) {
            return otherwise;
        }
        long bytes;
        try {
            bytes = Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, value, "expected a number of bytes, such as " + otherwise);
        }
        if (bytes < MIN_BYTES) {
            throw new ConfigException(key, value, "expected at least " + MIN_BYTES + " bytes (1 MiB)");
        }
        return bytes;
    }

    @Override
    public void close(String storeName, Options options) {
        // the shared manager outlives each store: the next store opened in the process uses it again
    }
}
