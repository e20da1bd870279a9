package dev.streamcast.contracts.records;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One reading of one entity on topic {@code sensor-readings}: a timestamp and one or more
 * channel values. Values are finite; channel order is kept as sent.
 *
 * <pre>{"ts": 1467331200000, "values": {"HUFL": 5.827, "OT": 30.531}}</pre>
 */
public record SensorReading(long ts, Map<String, Double> values) {

    public static final int MAX_CHANNELS = 1024;
    public static final int MAX_CHANNEL_CHARS = 128;

    public SensorReading {
        if (values == null || values.isEmpty()) {
            throw new IllegalArgumentException("a reading needs at least one channel value");
        }
        values = Collections.unmodifiableMap(values instanceof Decoding decoded ? decoded : new LinkedHashMap<>(values));
    }

    /** The values a codec decoded into a map of its own, nowhere else referenced: kept without a copy. */
    static final class Decoding extends LinkedHashMap<String, Double> {
    }

    public static SensorReading of(long ts, String channel, double value) {
        return new SensorReading(ts, Map.of(channel, value));
    }
}
