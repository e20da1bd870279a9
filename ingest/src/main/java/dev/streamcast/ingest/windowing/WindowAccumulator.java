package dev.streamcast.ingest.windowing;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** What one entity saw in one window: per channel count, sum, min, max and last; per text the counts. */
public final class WindowAccumulator {

    long start;
    final long[] count;      // [C]
    final double[] mean;     // [C], running: (sum / count) would overflow for huge finite values
    final double[] min;      // [C]
    final double[] max;      // [C]
    final double[] last;     // [C], the value with the latest timestamp
    final long[] lastTs;     // [C]
    long textCount;
    long textChars;
    final double[] hashed;   // [D], signed n-gram counts
    final double[] keywords; // [K]

    WindowAccumulator(long start, int channels, int buckets, int keywordCount) {
        count = new long[channels];
        mean = new double[channels];
        min = new double[channels];
        max = new double[channels];
        last = new double[channels];
        lastTs = new long[channels];
        hashed = new double[buckets];
        keywords = new double[keywordCount];
        reset(start);
    }

    /** Empties this accumulator for the window starting at {@code start}, as if new (an entity's next window reuses it). */
    WindowAccumulator reset(long start) {
        this.start = start;
        Arrays.fill(count, 0);
        Arrays.fill(mean, 0);
        Arrays.fill(min, Double.POSITIVE_INFINITY);
        Arrays.fill(max, Double.NEGATIVE_INFINITY);
        Arrays.fill(last, 0);
        Arrays.fill(lastTs, Long.MIN_VALUE);
        textCount = 0;
        textChars = 0;
        Arrays.fill(hashed, 0);
        Arrays.fill(keywords, 0);
        return this;
    }

    void add(int channel, long ts, double value) {
        count[channel]++;
        mean[channel] += (value - mean[channel]) / count[channel];
        min[channel] = Math.min(min[channel], value);
        max[channel] = Math.max(max[channel], value);
        if (ts >= lastTs[channel]) {
            lastTs[channel] = ts;
            last[channel] = value;
        }
    }

    /** Bytes {@link #write} takes: channels without data and windows without text cost almost nothing. */
    int serializedSize() {
        int size = Long.BYTES + 1;
        for (long n : count) {
            size += Integer.BYTES + (n > 0 ? 4 * Double.BYTES + Long.BYTES : 0);
        }
        if (textCount > 0) {
            size += 2 * Long.BYTES + (hashed.length + keywords.length) * Double.BYTES;
        }
        return size;
    }

    void write(ByteBuffer out) {
        out.putLong(start);
        for (int c = 0; c < count.length; c++) {
            out.putInt((int) count[c]);
            if (count[c] > 0) {
                out.putDouble(mean[c]).putDouble(min[c]).putDouble(max[c]).putDouble(last[c]).putLong(lastTs[c]);
            }
        }
        out.put((byte) (textCount > 0 ? 1 : 0));
        if (textCount > 0) {
            out.putLong(textCount).putLong(textChars);
            for (double h : hashed) {
                out.putDouble(h);
            }
            for (double k : keywords) {
                out.putDouble(k);
            }
        }
    }

    static WindowAccumulator read(ByteBuffer in, int channels, int buckets, int keywordCount) {
        WindowAccumulator acc = new WindowAccumulator(in.getLong(), channels, buckets, keywordCount);
        for (int c = 0; c < channels; c++) {
            acc.count[c] = in.getInt();
            if (acc.count[c] > 0) {
                acc.mean[c] = in.getDouble();
                acc.min[c] = in.getDouble();
                acc.max[c] = in.getDouble();
                acc.last[c] = in.getDouble();
                acc.lastTs[c] = in.getLong();
            }
        }
        if (in.get() == 1) {
            acc.textCount = in.getLong();
            acc.textChars = in.getLong();
            for (int b = 0; b < buckets; b++) {
                acc.hashed[b] = in.getDouble();
            }
            for (int k = 0; k < keywordCount; k++) {
                acc.keywords[k] = in.getDouble();
            }
        }
        return acc;
    }
}
