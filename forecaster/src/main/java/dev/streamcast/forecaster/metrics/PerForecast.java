package dev.streamcast.forecaster.metrics;

import io.prometheus.client.Collector;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One Prometheus family of values measured per forecast (how late it was, its error once its actual
 * arrived): a histogram over fixed bucket bounds, or with no bounds a summary of count and sum, with
 * the names and labels Micrometer gave the meters it replaces ({@code _bucket}, {@code _count},
 * {@code _sum}; labels in name order). Recording costs a few plain additions: each recorder (a
 * {@link Tally}, one per stream task's slot, so one thread at a time) adds its values up itself and
 * publishes them here once per batch; a scrape reads what was published (a batch behind at most).
 * A Micrometer timer or summary does atomic additions, reads the clock and updates three rotating
 * maxima per value, several values per forecast: a tenth or more of the stream thread's own work.
 */
public final class PerForecast extends Collector {

    private final String name;
    private final String help;
    private final List<String> labelNames;
    private final double[] bounds;
    private final Map<List<String>, Series> series = new ConcurrentHashMap<>();

    /**
     * A family {@code name} (the Prometheus name, with its unit) of series labelled by {@code labelNames}
     * (in that order, which must be the names' order); {@code bounds}, ascending, are its buckets' upper
     * bounds (none: a summary).
     */
    PerForecast(String name, String help, List<String> labelNames, double... bounds) {
        for (int i = 1; i < labelNames.size(); i++) {
            if (labelNames.get(i - 1).compareTo(labelNames.get(i)) >= 0) {
                throw new IllegalArgumentException(name + ": label names " + labelNames + " are not in name order");
            }
        }
        for (int i = 1; i < bounds.length; i++) {
            if (!(bounds[i - 1] < bounds[i])) {
                throw new IllegalArgumentException(name + ": bucket bounds are not ascending at " + bounds[i]);
            }
        }
        this.name = name;
        this.help = help;
        this.labelNames = List.copyOf(labelNames);
        this.bounds = bounds.clone();
    }

    /** The series of these label values (in {@code labelNames}' order), at zero until something is published to it. */
    public Series series(String... labelValues) {
        if (labelValues.length != labelNames.size()) {
            throw new IllegalArgumentException(name + " has labels " + labelNames + ", given " + List.of(labelValues));
        }
        return series.computeIfAbsent(List.of(labelValues), Series::new);
    }

    /** Every series, by label values (in {@code labelNames}' order). */
    public Map<List<String>, Series> all() {
        return Map.copyOf(series);
    }

    @Override
    public List<MetricFamilySamples> collect() {
        List<MetricFamilySamples.Sample> samples = new ArrayList<>();
        List<String> withLe = new ArrayList<>(labelNames);
        withLe.add("le");
        for (Series s : series.values()) {
            long[] counts;
            double sum;
            synchronized (s) {
                counts = s.counts.clone();
                sum = s.sum;
            }
            long cumulative = 0;
            for (int b = 0; b < bounds.length; b++) {
                cumulative += counts[b];
                samples.add(new MetricFamilySamples.Sample(name + "_bucket", withLe, with(s.labels, doubleToGoString(bounds[b])),
                        cumulative));
            }
            cumulative += counts[bounds.length];
            if (bounds.length > 0) {
                samples.add(new MetricFamilySamples.Sample(name + "_bucket", withLe, with(s.labels, "+Inf"), cumulative));
            }
            samples.add(new MetricFamilySamples.Sample(name + "_count", labelNames, s.labels, cumulative));
            samples.add(new MetricFamilySamples.Sample(name + "_sum", labelNames, s.labels, sum));
        }
        return List.of(new MetricFamilySamples(name, bounds.length > 0 ? Type.HISTOGRAM : Type.SUMMARY, help, samples));
    }

    private static List<String> with(List<String> values, String le) {
        List<String> all = new ArrayList<>(values);
        all.add(le);
        return all;
    }

    /** One series: what its tallies have published. */
    public final class Series {

        private final List<String> labels;
        private final long[] counts = new long[bounds.length + 1]; // per bucket, not cumulative; the last past every bound
        private double sum;

        private Series(List<String> labels) {
            this.labels = labels;
        }

        /** A recorder of values into this series, for one thread at a time; values count here once it publishes. */
        public Tally tally() {
            return new Tally(this);
        }

        public synchronized long count() {
            long n = 0;
            for (long c : counts) {
                n += c;
            }
            return n;
        }

        public synchronized double sum() {
            return sum;
        }

        private synchronized void add(long[] tallied, double total) {
            for (int b = 0; b < counts.length; b++) {
                counts[b] += tallied[b];
            }
            sum += total;
        }
    }

    /** Values recorded into one series since they were last published: plain fields, one thread at a time. */
    public final class Tally {

        private final Series series;
        private final long[] counts = new long[bounds.length + 1];
        private double sum;
        private boolean recorded;

        private Tally(Series series) {
            this.series = series;
        }

        /** Records {@code value}; one that is negative or NaN is ignored, as Micrometer's summaries ignore it. */
        public void record(double value) {
            if (!(value >= 0)) {
                return;
            }
            int b = 0;
            while (b < bounds.length && value > bounds[b]) {
                b++;
            }
            counts[b]++;
            sum += value;
            recorded = true;
        }

        /** Adds what was recorded since the last call to the series, where a scrape reads it. */
        public void publish() {
            if (!recorded) {
                return;
            }
            series.add(counts, sum);
            Arrays.fill(counts, 0);
            sum = 0;
            recorded = false;
        }
    }
}
