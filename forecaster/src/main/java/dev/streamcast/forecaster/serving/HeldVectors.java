package dev.streamcast.forecaster.serving;

import dev.streamcast.contracts.state.StateFormat;
import dev.streamcast.contracts.state.UnreadableStateException;
import dev.streamcast.forecaster.batching.InputOrigin;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Feature vectors that arrived before their spec reached the forecaster's copy of
 * {@code feature-specs}, held per entity in arrival order in a changelogged store (so a commit never
 * covers a vector that exists only in memory), with a copy of the store in memory for the per-record
 * check. While an entity has vectors held, its later vectors are held behind them, which keeps its
 * inputs in order. The store is empty in normal operation.
 */
final class HeldVectors {

    private static final Logger LOG = Logger.getLogger(HeldVectors.class);
    static final StateFormat FORMAT = new StateFormat("forecaster held vectors", 1);

    /** One held record and when it was first held (wall clock). */
    record Held(InputOrigin origin, long heldAt) {
    }

    private final KeyValueStore<String, byte[]> store;
    private final Map<String, List<Held>> byEntity = new LinkedHashMap<>();
    private int count;

    /** Reads what the store holds (vectors held when the task's last owner stopped). */
    HeldVectors(KeyValueStore<String, byte[]> store) {
        this.store = store;
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> kv = all.next();
                try {
                    List<Held> held = decode(kv.key, kv.value);
                    byEntity.put(kv.key, held);
                    count += held.size();
                } catch (UnreadableStateException e) {
                    LOG.errorf("held vectors of %s are unreadable and cannot be sent to the DLQ: %s", kv.key, e.getMessage());
                }
            }
        }
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** Vectors held in this task. */
    int count() {
        return count;
    }

    boolean holds(String entity) {
        return count > 0 && byEntity.containsKey(entity);
    }

    void hold(String entity, InputOrigin origin, long now) {
        List<Held> held = byEntity.computeIfAbsent(entity, e -> new ArrayList<>());
        held.add(new Held(origin, now));
        count++;
        store.put(entity, encode(held));
    }

    /** Every entity with held vectors, in the order they were first held. */
    List<String> entities() {
        return new ArrayList<>(byEntity.keySet());
    }

    /** Takes every held vector of {@code entity} out, oldest first. */
    List<Held> take(String entity) {
        List<Held> held = byEntity.remove(entity);
        if (held == null) {
            return List.of();
        }
        count -= held.size();
        store.delete(entity);
        return held;
    }

    /** Holds {@code held} again for {@code entity}, ahead of anything held for it since {@link #take}. */
    void putBack(String entity, List<Held> held) {
        List<Held> since = byEntity.remove(entity);
        List<Held> all = new ArrayList<>(held);
        if (since != null) {
            all.addAll(since);
        }
        byEntity.put(entity, all);
        count += held.size();
        store.put(entity, encode(all));
    }

    static byte[] encode(List<Held> held) {
        List<byte[]> parts = new ArrayList<>();
        int size = 4;
        for (Held h : held) {
            byte[] record = record(h);
            parts.add(record);
            size += record.length;
        }
        ByteBuffer b = FORMAT.allocate(size).putInt(held.size());
        parts.forEach(b::put);
        return b.array();
    }

    private static byte[] record(Held h) {
        InputOrigin o = h.origin();
        byte[] topic = o.topic().getBytes(StandardCharsets.UTF_8);
        byte[] value = o.value() == null ? new byte[0] : o.value();
        Header[] headers = o.headers() == null ? new Header[0] : o.headers().toArray();
        int size = 8 + 8 + 4 + 8 + 4 + topic.length + 4 + value.length + 4;
        for (Header header : headers) {
            size += 4 + header.key().getBytes(StandardCharsets.UTF_8).length + 4 + (header.value() == null ? 0 : header.value().length);
        }
        ByteBuffer b = ByteBuffer.allocate(size).putLong(h.heldAt()).putLong(o.timestamp()).putInt(o.partition())
                .putLong(o.offset());
        b.putInt(topic.length).put(topic).putInt(value.length).put(value).putInt(headers.length);
        for (Header header : headers) {
            byte[] name = header.key().getBytes(StandardCharsets.UTF_8);
            byte[] bytes = header.value() == null ? new byte[0] : header.value();
            b.putInt(name.length).put(name).putInt(bytes.length).put(bytes);
        }
        return b.array();
    }

    static List<Held> decode(String entity, byte[] stored) throws UnreadableStateException {
        ByteBuffer b = FORMAT.open(stored);
        int n = b.getInt();
        List<Held> held = new ArrayList<>(n);
        byte[] key = entity.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < n; i++) {
            long heldAt = b.getLong();
            long timestamp = b.getLong();
            int partition = b.getInt();
            long offset = b.getLong();
            String topic = new String(bytes(b), StandardCharsets.UTF_8);
            byte[] value = bytes(b);
            int headerCount = b.getInt();
            RecordHeaders headers = new RecordHeaders();
            for (int h = 0; h < headerCount; h++) {
                headers.add(new String(bytes(b), StandardCharsets.UTF_8), bytes(b));
            }
            held.add(new Held(new InputOrigin(key, value, headers, timestamp, topic, partition, offset), heldAt));
        }
        return held;
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] bytes = new byte[b.getInt()];
        b.get(bytes);
        return bytes;
    }
}
