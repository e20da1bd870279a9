package dev.streamcast.local.quickstart;

import dev.streamcast.contracts.json.Decoded;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.Forecast;
import dev.streamcast.contracts.topics.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;

/** Prints forecasts as they flow (at most one line every two seconds) and counts them. */
final class ForecastPrinter implements AutoCloseable {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final PrintStream out;
    private final AtomicLong seen = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    ForecastPrinter(String bootstrapServers, PrintStream out) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "quickstart-forecast-printer");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.out = out;
        this.thread = new Thread(this::run, "forecast-printer");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    long seen() {
        return seen.get();
    }

    private void run() {
        long nextLine = 0;
        try {
            consumer.subscribe(List.of(Topics.FORECASTS.name()));
            while (running) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    long n = seen.incrementAndGet();
                    if (System.currentTimeMillis() < nextLine) {
                        continue;
                    }
                    Decoded<Forecast> forecast = Codecs.FORECAST.decode(record.value());
                    if (forecast.isOk()) {
                        nextLine = System.currentTimeMillis() + 2000;
                        out.println("streamcast quickstart: forecast #" + n + " " + describe(
                                new String(record.key(), StandardCharsets.UTF_8), forecast.value()));
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close();
        }
    }

    static String describe(String entity, Forecast f) {
        String target = f.targets().get(0);
        Forecast.Step first = f.steps().get(0);
        Forecast.Step last = f.steps().get(f.steps().size() - 1);
        StringBuilder line = new StringBuilder(String.format("%s at %s by %s: %s %s %.2f", entity, TIME.format(Instant.ofEpochMilli(f.origin())),
                f.model(), target, TIME.format(Instant.ofEpochMilli(first.ts())), first.point().get(target)));
        line.append(String.format(" ... %s %.2f", TIME.format(Instant.ofEpochMilli(last.ts())), last.point().get(target)));
        Map<String, double[]> q = last.quantiles();
        if (q.containsKey(target)) {
            double[] values = q.get(target);
            double[] levels = f.quantileLevels();
            line.append(String.format(" p%d–p%d [%.2f, %.2f]", Math.round(levels[0] * 100), Math.round(levels[levels.length - 1] * 100),
                    values[0], values[values.length - 1]));
        }
        return line.toString();
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
