package dev.streamcast.local.quickstart;

import dev.streamcast.local.process.ServiceProcess;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * What the trainer service did, from its metrics: runs that retrained (succeeded, any trigger but the first run's
 * bootstrap) and challengers promoted. -1 each when it does not answer.
 */
record TrainerCounts(long retrains, long promotions) {

    static TrainerCounts read(ServiceProcess trainer) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(trainer.url("/q/metrics")))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            return parse(r.body());
        } catch (Exception e) {
            return new TrainerCounts(-1, -1);
        }
    }

    /** From Prometheus' text format: {@code trainer_runs_total{...}} and {@code trainer_promotions_total{...}}. */
    static TrainerCounts parse(String metrics) {
        long retrains = 0;
        long promotions = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("trainer_runs_total{") && line.contains("outcome=\"succeeded\"") && !line.contains("trigger=\"bootstrap\"")) {
                retrains += value(line);
            } else if (line.startsWith("trainer_promotions_total{") && line.contains("decision=\"promoted\"")) {
                promotions += value(line);
            }
        }
        return new TrainerCounts(retrains, promotions);
    }

    private static long value(String line) {
        return (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }
}
