package dev.streamcast.contracts.records;

import java.util.Arrays;

/**
 * One step of one entity on topic {@code features}: the window [start, end), the values in
 * the order of the spec named by {@code specId}, and which of them were observed in this
 * window ({@code false} means imputed). Ingest emits exactly one per active entity per step,
 * in time order.
 *
 * <pre>{"specId": "3f9a0c1d2e4b5a69", "windowStart": 1467331200000, "windowEnd": 1467334800000,
 *  "values": [30.5, 30.1], "observed": [true, false]}</pre>
 */
public record FeatureVector(String specId, long windowStart, long windowEnd, double[] values, boolean[] observed) {

    public FeatureVector {
        if (specId == null || specId.isBlank()) {
            throw new IllegalArgumentException("a feature vector needs its spec id");
        }
        if (windowEnd <= windowStart) {
            throw new IllegalArgumentException("window end " + windowEnd + " is not after its start " + windowStart);
        }
        if (values.length != observed.length) {
            throw new IllegalArgumentException(values.length + " values but " + observed.length + " observed flags");
        }
    }

    public int size() {
        return values.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FeatureVector v
                && specId.equals(v.specId) && windowStart == v.windowStart && windowEnd == v.windowEnd
                && Arrays.equals(values, v.values) && Arrays.equals(observed, v.observed);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * specId.hashCode() + Long.hashCode(windowStart)) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "FeatureVector[specId=" + specId + ", window=[" + windowStart + ", " + windowEnd + "), values="
                + Arrays.toString(values) + ", observed=" + Arrays.toString(observed) + "]";
    }
}
