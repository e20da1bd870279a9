package dev.streamcast.ingest.windowing;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;

/** What one entity saw in one window: per channel count, sum, min, max and last; per text the counts. */
final class WindowAccumulator {

    final long start;
    final long[] count;      // [C]
    final double[] sum;      // [C]
    final double[] min;      // [C]
    final double[] max;      // [C]
    final double[] last;     // [C], the value with the latest timestamp
    final long[] lastTs;     // [C]
    long textCount;
    long textChars;
    final double[] hashed;   // [D], signed n-gram counts
    final double[] keywords; // [K]

    WindowAccumulator(long start, int channels, int buckets, int keywordCount) {
        this.start = start;
        count = new long[channels];
        sum = new double[channels];
        min = new double[channels];
        max = new double[channels];
        last = new double[channels];
        lastTs = new long[channels];
        Arrays.fill(min, Double.POSITIVE_INFINITY);
        Arrays.fill(max, Double.NEGATIVE_INFINITY);
        Arrays.fill(lastTs, Long.MIN_VALUE);
        hashed = new double[buckets];
        keywords = new double[keywordCount];
    }

    void add(int channel, long ts, double value) {
        count[channel]++;
        sum[channel] += value;
        min[channel] = Math.min(min[channel], value);
        max[channel] = Math.max(max[channel], value);
        if (ts >= lastTs[channel]) {
            lastTs[channel] = ts;
            last[channel] = value;
        }
    }

    void write(DataOutput out) throws IOException {
        out.writeLong(start);
        for (int c = 0; c < count.length; c++) {
            out.writeLong(count[c]);
            if (count[c] > 0) {
                out.writeDouble(sum[c]);
                out.writeDouble(min[c]);
                out.writeDouble(max[c]);
                out.writeDouble(last[c]);
                out.writeLong(lastTs[c]);
            }
        }
        out.writeLong(textCount);
        out.writeLong(textChars);
        for (double h : hashed) {
            out.writeDouble(h);
        }
        for (double k : keywords) {
            out.writeDouble(k);
        }
    }

    static WindowAccumulator read(DataInput in, int channels, int buckets, int keywordCount) throws IOException {
        WindowAccumulator acc = new WindowAccumulator(in.readLong(), channels, buckets, keywordCount);
        for (int c = 0; c < channels; c++) {
            acc.count[c] = in.readLong();
            if (acc.count[c] > 0) {
                acc.sum[c] = in.readDouble();
                acc.min[c] = in.readDouble();
                acc.max[c] = in.readDouble();
                acc.last[c] = in.readDouble();
                acc.lastTs[c] = in.readLong();
            }
        }
        acc.textCount = in.readLong();
        acc.textChars = in.readLong();
        for (int b = 0; b < buckets; b++) {
            acc.hashed[b] = in.readDouble();
        }
        for (int k = 0; k < keywordCount; k++) {
            acc.keywords[k] = in.readDouble();
        }
        return acc;
    }
}
