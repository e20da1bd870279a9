package dev.streamcast.kubernetes;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PromQlTest {

    @Test
    void findsTheMetricsAndNothingElse() {
        assertThat(PromQl.metricNames("histogram_quantile(0.99, sum by (job, instance, le) (rate(forecaster_end_to_end_seconds_bucket"
                + "{slot=\"served\"}[5m]))) > 600")).containsExactly("forecaster_end_to_end_seconds_bucket");
        assertThat(PromQl.metricNames("increase(a_total[2d]) == 0 and on (job, instance) b_seconds{job=\"x\"} > 2 * 86400"))
                .containsExactly("a_total", "b_seconds");
        assertThat(PromQl.metricNames("deriv((sum by (job) (x_bytes) / sum by (job) (x_entities))[6h:10m]) > 0 or up == 0"))
                .containsExactly("up", "x_bytes", "x_entities");
        assertThat(PromQl.metricNames("sum(rate(m_total{namespace=~\"$namespace\"}[$__rate_interval])) > 1e3"))
                .containsExactly("m_total");
        assertThat(PromQl.metricNames("1.5 * max by (target) (g{a='b'}) unless c bool > 0")).containsExactly("c", "g");
    }
}
