package dev.streamcast.local.quickstart;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The quickstart's retrains and promotions, read from the trainer service's metrics. */
class TrainerCountsTest {

    @Test
    void retrainsAreSucceededRunsButTheFirstAndPromotionsArePromotedDecisions() {
        String metrics = """
                # TYPE trainer_runs_total counter
                trainer_runs_total{outcome="succeeded",trigger="bootstrap"} 1.0
                trainer_runs_total{outcome="succeeded",trigger="schedule"} 2.0
                trainer_runs_total{outcome="succeeded",trigger="drift"} 1.0
                trainer_runs_total{outcome="refused",trigger="schedule"} 3.0
                trainer_promotions_total{decision="kept_out"} 4.0
                trainer_promotions_total{decision="promoted"} 1.0
                """;
        assertThat(TrainerCounts.parse(metrics)).isEqualTo(new TrainerCounts(3, 1));
        assertThat(TrainerCounts.parse("")).isEqualTo(new TrainerCounts(0, 0));
    }
}
