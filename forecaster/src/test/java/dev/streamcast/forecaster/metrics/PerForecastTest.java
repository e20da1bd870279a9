package dev.streamcast.forecaster.metrics;

import io.prometheus.client.Collector;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PerForecastTest {

    @Test
    void aValueCountsInTheFirstBucketWhoseBoundItDoesNotExceedOncePublished() {
        PerForecast family = new PerForecast("late_seconds", "how late", List.of("slot"), 1, 2);
        PerForecast.Tally tally = family.series("served").tally();
        tally.record(1.0); // on a bound: le="1.0"
        tally.record(1.5);
        tally.record(7);
        tally.record(Double.NaN); // ignored, as Micrometer ignores it
        tally.record(-3);
        assertThat(samples(family)).containsEntry("late_seconds_count{slot=served}", 0.0);

        tally.publish();
        tally.publish(); // nothing new: adds nothing

        assertThat(samples(family)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "late_seconds_bucket{slot=served,le=1.0}", 1.0,
                "late_seconds_bucket{slot=served,le=2.0}", 2.0,
                "late_seconds_bucket{slot=served,le=+Inf}", 3.0,
                "late_seconds_count{slot=served}", 3.0,
                "late_seconds_sum{slot=served}", 9.5));
        assertThat(family.series("served").count()).isEqualTo(3);
    }

    @Test
    void labelsOutOfNameOrderOrBoundsNotAscendingAreRefused() {
        assertThatThrownBy(() -> new PerForecast("e", "", List.of("slot", "model")))
                .hasMessage("e: label names [slot, model] are not in name order");
        assertThatThrownBy(() -> new PerForecast("e", "", List.of("slot"), 1, 1))
                .hasMessage("e: bucket bounds are not ascending at 1.0");
        assertThatThrownBy(() -> new PerForecast("e", "", List.of("slot")).series("served", "extra"))
                .hasMessage("e has labels [slot], given [served, extra]");
    }

    private static Map<String, Double> samples(PerForecast family) {
        return family.collect().get(0).samples.stream().collect(Collectors.toMap(
                s -> s.name + "{" + labels(s) + "}", s -> s.value));
    }

    private static String labels(Collector.MetricFamilySamples.Sample s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.labelNames.size(); i++) {
            b.append(i == 0 ? "" : ",").append(s.labelNames.get(i)).append('=').append(s.labelValues.get(i));
        }
        return b.toString();
    }
}
