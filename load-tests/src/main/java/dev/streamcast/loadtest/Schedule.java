package dev.streamcast.loadtest;

import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * What the load is, record by record, as a pure function of the record's index: which entity,
 * sensor reading or text event, which partition, which event time. Nothing here depends on
 * when records are actually sent, so the same index always means the same record (the
 * pass-through baseline gets exactly the records the pipeline got).
 *
 * <p>Records come in rounds. A round holds one sensor reading of every entity (C channels) in
 * entity order, each followed by that entity's text events for the round (M of them in all,
 * spread evenly, so text is {@code textShare} of the traffic). Every record of round k carries
 * the event time {@code eventStart + k × window + window / 2}, so round k fills window k of every
 * entity, and window k of a partition closes (stream time reaches its end plus the grace) with
 * the first record of round {@code k + 1 + closingDelayRounds} in that partition. That first
 * record is the sensor reading of the partition's lowest entity, at the same position in every
 * round, which makes the closing record of any window a closed-form index.
 */
public final class Schedule {

    private final int entities;
    private final int channels;
    private final int textPerRound;
    private final long windowMillis;
    private final long eventStart;
    private final int partitions;
    private final int closingDelayRounds;
    /** partition of each entity */
    private final byte[] partitionOf;
    /** position in the round of the first record of each partition, or -1 when it has no entity */
    private final int[] firstPosition;
    private final int[] entitiesIn;

    public Schedule(int entities, int channels, double textShare, Duration window, Duration grace, long eventStart,
                    int partitions) {
        if (entities < 1) {
            throw new IllegalArgumentException("entities must be at least 1, got " + entities);
        }
        if (channels < 1 || channels > 64) {
            throw new IllegalArgumentException("channels must be between 1 and 64, got " + channels);
        }
        if (!(textShare >= 0 && textShare <= 0.9)) {
            throw new IllegalArgumentException("text share must be between 0 and 0.9, got " + textShare);
        }
        if (partitions < 1 || partitions > 127) {
            throw new IllegalArgumentException("partitions must be between 1 and 127, got " + partitions);
        }
        this.entities = entities;
        this.channels = channels;
        this.textPerRound = (int) Math.round(entities * textShare / (1 - textShare));
        this.windowMillis = window.toMillis();
        if (eventStart % windowMillis != 0) {
            throw new IllegalArgumentException("the event start must be aligned to the window");
        }
        this.eventStart = eventStart;
        this.partitions = partitions;
        // round j closes window k when eventStart + j*W + W/2 >= eventStart + (k+1)*W + grace
        this.closingDelayRounds = (int) Math.max(0, -Math.floorDiv(windowMillis / 2 - grace.toMillis(), windowMillis));
        this.partitionOf = new byte[entities];
        this.firstPosition = new int[partitions];
        this.entitiesIn = new int[partitions];
        java.util.Arrays.fill(firstPosition, -1);
        for (int e = 0; e < entities; e++) {
            int p = partitionFor(entityId(e), partitions);
            partitionOf[e] = (byte) p;
            entitiesIn[p]++;
            if (firstPosition[p] < 0) {
                firstPosition[p] = position(e);
            }
        }
    }

    /** Kafka's default partitioner for a keyed record (murmur2 of the key bytes). */
    public static int partitionFor(String key, int partitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    public static String entityId(int entity) {
        return "e" + entity;
    }

    /** The entity index of a key written by {@link #entityId}, or -1. */
    public static int entityIndex(byte[] key) {
        if (key == null || key.length < 2 || key[0] != 'e') {
            return -1;
        }
        int value = 0;
        for (int i = 1; i < key.length; i++) {
            int digit = key[i] - '0';
            if (digit < 0 || digit > 9 || value > 100_000_000) {
                return -1;
            }
            value = value * 10 + digit;
        }
        return value;
    }

    public int entities() {
        return entities;
    }

    public int channels() {
        return channels;
    }

    public int partitions() {
        return partitions;
    }

    public long windowMillis() {
        return windowMillis;
    }

    public long eventStart() {
        return eventStart;
    }

    /** Records per round: one reading per entity plus the text events. */
    public int recordsPerRound() {
        return entities + textPerRound;
    }

    public int textPerRound() {
        return textPerRound;
    }

    public int closingDelayRounds() {
        return closingDelayRounds;
    }

    /** Text events of {@code entity} in every round. */
    public int textsOf(int entity) {
        return (int) ((long) (entity + 1) * textPerRound / entities - (long) entity * textPerRound / entities);
    }

    /** Where the reading of {@code entity} sits in its round. */
    public int position(int entity) {
        return (int) (entity + (long) entity * textPerRound / entities);
    }

    public int partitionOf(int entity) {
        return partitionOf[entity];
    }

    public int entitiesIn(int partition) {
        return entitiesIn[partition];
    }

    public long round(long index) {
        return index / recordsPerRound();
    }

    /** The event time of every record of round {@code round}: the middle of window {@code round}. */
    public long eventTime(long round) {
        return eventStart + round * windowMillis + windowMillis / 2;
    }

    /** The round whose window starts at {@code windowStart}. */
    public long roundOfWindow(long windowStart) {
        return Math.floorDiv(windowStart - eventStart, windowMillis);
    }

    /** The index of the reading of {@code entity} in {@code round}. */
    public long readingIndex(int entity, long round) {
        return round * recordsPerRound() + position(entity);
    }

    /** The index of the record that closes window {@code round} of {@code entity}'s partition. */
    public long closingIndex(int entity, long round) {
        int p = partitionOf[entity];
        return (round + 1 + closingDelayRounds) * recordsPerRound() + firstPosition[p];
    }

    /**
     * How many windows (one per entity and closed round) the records with indexes
     * [0, {@code sent}) close: each becomes one feature vector and one forecast.
     */
    public long windowsClosedBy(long sent) {
        long total = 0;
        for (int p = 0; p < partitions; p++) {
            if (firstPosition[p] < 0 || sent <= firstPosition[p]) {
                continue;
            }
            long lastIndex = sent - 1;
            long closed = (lastIndex - firstPosition[p]) / recordsPerRound() - closingDelayRounds; // rounds 0..closed-1
            if (closed > 0) {
                total += closed * entitiesIn[p];
            }
        }
        return total;
    }

    /** The number of rounds the records [0, sent) close in the partition of {@code entity}. */
    public long roundsClosedFor(int entity, long sent) {
        int p = partitionOf[entity];
        if (sent <= firstPosition[p]) {
            return 0;
        }
        return Math.max(0, (sent - 1 - firstPosition[p]) / recordsPerRound() - closingDelayRounds);
    }

    /** The number of readings of {@code entity} among the records [0, sent). */
    public long readingsSentFor(int entity, long sent) {
        long first = position(entity);
        return sent <= first ? 0 : (sent - 1 - first) / recordsPerRound() + 1;
    }
}
