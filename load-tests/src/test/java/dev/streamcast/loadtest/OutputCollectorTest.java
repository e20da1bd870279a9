package dev.streamcast.loadtest;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class OutputCollectorTest {

    @Test
    void anInputDueInsideTheMeasuredIntervalIsMeasuredAndOneBeforeOrAfterItIsNot() {
        long from = 1_796_600_000_000_000L; // µs since the epoch, as the run's schedule gives them
        long to = from + 60_000_000L;
        assertThat(OutputCollector.phaseOf(from - 1, from, to)).isZero();
        assertThat(OutputCollector.phaseOf(from - 45_000_000L, from, to)).isZero();
        assertThat(OutputCollector.phaseOf(from, from, to)).isOne();
        assertThat(OutputCollector.phaseOf(from + 30_000_000L, from, to)).isOne();
        assertThat(OutputCollector.phaseOf(to - 1, from, to)).isOne();
        assertThat(OutputCollector.phaseOf(to, from, to)).isZero();
        assertThat(OutputCollector.phaseOf(to + 1_000_000L, from, to)).isZero();
        assertThat(OutputCollector.phaseOf(0, from, to)).isZero();
    }
}
