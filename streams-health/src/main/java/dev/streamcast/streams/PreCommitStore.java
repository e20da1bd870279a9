package dev.streamcast.streams;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

import java.util.List;
import java.util.Map;

/**
 * A key-value store that runs its owner's writer just before each commit writes the store: Kafka
 * Streams flushes every store's record cache (into the store and its changelog, inside the
 * transaction) before it commits the input offsets, and this store's {@link #flushCache()} and
 * {@link #flush()} first run the writer set with {@link #beforeCommit(Runnable)}.
 *
 * <p>What it is for: state that changes at every record is kept in the processor's memory and written
 * into the store once per commit instead of once per record (the rule stays: no commit covers a change
 * that exists only in memory). The forecaster writes the inputs still waiting for their batch (before,
 * every input was written twice: waiting, then stepped); ingest writes the entities whose windows
 * changed and its stream time (before, every reading re-encoded its entity's windows into the record
 * cache and wrote the stream time to its changelog).
 *
 * <p>It wraps the store Kafka Streams builds (metered, cached, changelogged) as its outermost layer,
 * so it is the store the task's state manager holds and flushes. It relies on Kafka Streams'
 * {@code WrappedStateStore}, which every built store layer extends; a Kafka upgrade that changed how
 * caches are flushed before a commit would show in the crash-restart and kill-restart tests.
 */
public final class PreCommitStore extends WrappedStateStore<KeyValueStore<String, byte[]>, String, byte[]>
        implements KeyValueStore<String, byte[]> {

    private Runnable beforeCommit = () -> { };

    public PreCommitStore(KeyValueStore<String, byte[]> inner) {
        super(inner);
    }

    /** Wraps what {@code inner} builds. */
    public static StoreBuilder<KeyValueStore<String, byte[]>> wrapping(StoreBuilder<KeyValueStore<String, byte[]>> inner) {
        return new StoreBuilder<>() {
            @Override
            public StoreBuilder<KeyValueStore<String, byte[]>> withCachingEnabled() {
                inner.withCachingEnabled();
                return this;
            }

            @Override
            public StoreBuilder<KeyValueStore<String, byte[]>> withCachingDisabled() {
                inner.withCachingDisabled();
                return this;
            }

            @Override
            public StoreBuilder<KeyValueStore<String, byte[]>> withLoggingEnabled(Map<String, String> config) {
                inner.withLoggingEnabled(config);
                return this;
            }

            @Override
            public StoreBuilder<KeyValueStore<String, byte[]>> withLoggingDisabled() {
                inner.withLoggingDisabled();
                return this;
            }

            @Override
            public KeyValueStore<String, byte[]> build() {
                return new PreCommitStore(inner.build());
            }

            @Override
            public Map<String, String> logConfig() {
                return inner.logConfig();
            }

            @Override
            public boolean loggingEnabled() {
                return inner.loggingEnabled();
            }

            @Override
            public String name() {
                return inner.name();
            }
        };
    }

    /**
     * The {@link PreCommitStore} under {@code store} (as a processor gets it from its context, wrapped
     * in Kafka Streams' decorators), or null when there is none (a store built without it, as in unit tests).
     */
    public static PreCommitStore under(StateStore store) {
        StateStore s = store;
        while (s != null) {
            if (s instanceof PreCommitStore p) {
                return p;
            }
            s = s instanceof WrappedStateStore<?, ?, ?> w ? w.wrapped() : null;
        }
        return null;
    }

    /** What to write into this store before each commit (replaces the previous writer). */
    public void beforeCommit(Runnable writer) {
        this.beforeCommit = writer;
    }

    @Override
    public void flushCache() {
        beforeCommit.run();
        super.flushCache();
    }

    @Override
    public void flush() {
        beforeCommit.run();
        super.flush();
    }

    @Override
    public void put(String key, byte[] value) {
        wrapped().put(key, value);
    }

    @Override
    public byte[] putIfAbsent(String key, byte[] value) {
        return wrapped().putIfAbsent(key, value);
    }

    @Override
    public void putAll(List<KeyValue<String, byte[]>> entries) {
        wrapped().putAll(entries);
    }

    @Override
    public byte[] delete(String key) {
        return wrapped().delete(key);
    }

    @Override
    public byte[] get(String key) {
        return wrapped().get(key);
    }

    @Override
    public KeyValueIterator<String, byte[]> range(String from, String to) {
        return wrapped().range(from, to);
    }

    @Override
    public KeyValueIterator<String, byte[]> reverseRange(String from, String to) {
        return wrapped().reverseRange(from, to);
    }

    @Override
    public KeyValueIterator<String, byte[]> all() {
        return wrapped().all();
    }

    @Override
    public KeyValueIterator<String, byte[]> reverseAll() {
        return wrapped().reverseAll();
    }

    @Override
    public <PS extends org.apache.kafka.common.serialization.Serializer<P>, P> KeyValueIterator<String, byte[]> prefixScan(
            P prefix, PS prefixKeySerializer) {
        return wrapped().prefixScan(prefix, prefixKeySerializer);
    }

    @Override
    public long approximateNumEntries() {
        return wrapped().approximateNumEntries();
    }
}
