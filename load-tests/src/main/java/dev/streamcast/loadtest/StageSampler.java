package dev.streamcast.loadtest;

import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Once a second: the consumer lag of every stage (end offsets of its input topics minus its
 * group's committed offsets), what each stage has consumed, the entities each service holds
 * in state (scraped from its Prometheus endpoint), and the latency of the outputs of that
 * second. The samples become the time series of the report.
 */
public final class StageSampler implements AutoCloseable {

    /** A consumer group and the topics it reads, plus the metric that counts its entities (or null). */
    public record Stage(String name, String group, List<TopicPartition> inputs, Supplier<String> metricsUrl,
                        String entitiesMetric) {
    }

    /** One second of a run. Lags and consumed counts are per stage, in {@link #stages} order. */
    public record Sample(double t, long[] lag, long[] consumed, long[] entities, long sent, long out,
                         double p50Ms, double p99Ms) {
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final Admin admin;
    private final List<Stage> stages;
    private final Supplier<long[]> sentAndOut;
    private final OutputCollector collector;
    private final long startNanos = System.nanoTime();
    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "load-test-sampler");
        t.setDaemon(true);
        return t;
    });

    /** {@code sentAndOut} gives the records acknowledged so far and the outputs counted so far. */
    public StageSampler(Admin admin, List<Stage> stages, Supplier<long[]> sentAndOut, OutputCollector collector) {
        this.admin = admin;
        this.stages = List.copyOf(stages);
        this.sentAndOut = sentAndOut;
        this.collector = collector;
        timer.scheduleAtFixedRate(this::sample, 1, 1, TimeUnit.SECONDS);
    }

    public List<Stage> stages() {
        return stages;
    }

    public List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** Seconds since the sampler started. */
    public double now() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private void sample() {
        try {
            int n = stages.size();
            long[] lag = new long[n];
            long[] consumed = new long[n];
            long[] entities = new long[n];
            for (int i = 0; i < n; i++) {
                long[] lc = lagAndConsumed(stages.get(i));
                lag[i] = lc[0];
                consumed[i] = lc[1];
                entities[i] = entities(stages.get(i));
            }
            long[] so = sentAndOut.get();
            Histogram latency = collector.intervalLatency();
            double p50 = latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(50) / 1000.0;
            double p99 = latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(99) / 1000.0;
            samples.add(new Sample(now(), lag, consumed, entities, so[0], so[1], p50, p99));
        } catch (Exception e) {
            // a missed sample (broker busy) is a gap in the series, not a failed run
        }
    }

    /** {lag, committed} summed over the stage's input partitions. */
    private long[] lagAndConsumed(Stage stage) throws Exception {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        stage.inputs().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, Long> ends = new HashMap<>();
        admin.listOffsets(latest).all().get(5, TimeUnit.SECONDS).forEach((tp, info) -> ends.put(tp, info.offset()));
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(stage.group())
                .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
        long lag = 0;
        long done = 0;
        for (TopicPartition tp : stage.inputs()) {
            OffsetAndMetadata offset = committed.get(tp);
            long position = offset == null ? 0 : offset.offset();
            lag += Math.max(0, ends.getOrDefault(tp, 0L) - position);
            done += position;
        }
        return new long[]{lag, done};
    }

    private static long entities(Stage stage) {
        if (stage.entitiesMetric() == null || stage.metricsUrl().get() == null) {
            return -1;
        }
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stage.metricsUrl().get()))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return (long) metric(response.body(), stage.entitiesMetric());
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * The sum of every series that {@code selector} names in Prometheus text: a metric name (any
     * labels), or a name with its labels ({@code forecaster_entities{slot="served"}}); -1 when none.
     */
    static double metric(String text, String selector) {
        double sum = 0;
        boolean found = false;
        for (String line : text.split("\n")) {
            if (!line.startsWith(selector)) {
                continue;
            }
            char next = line.length() > selector.length() ? line.charAt(selector.length()) : ' ';
            if (next == ' ' || next == '{' || selector.endsWith("}")) {
                String[] parts = line.trim().split(" ");
                sum += Double.parseDouble(parts[parts.length - 1]);
                found = true;
            }
        }
        return found ? sum : -1;
    }

    /** The samples within [from, to] seconds. */
    public List<Sample> between(double from, double to) {
        List<Sample> within = new ArrayList<>();
        for (Sample s : samples) {
            if (s.t() >= from && s.t() <= to) {
                within.add(s);
            }
        }
        return within;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
