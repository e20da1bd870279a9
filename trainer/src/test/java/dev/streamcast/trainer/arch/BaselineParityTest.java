package dev.streamcast.trainer.arch;

import dev.streamcast.trainer.Synthetic;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.data.Mode;
import dev.streamcast.trainer.eval.Parity;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class BaselineParityTest {

    private static final Dataset DATA = Dataset.of(Synthetic.hourly(600, List.of("HUFL", "MUFL", "OT"), 1), Mode.M, "OT", 24, 12);

    @Test
    void lastValueStepsLikeItsSequenceAndItsDefinition() throws Exception {
        TrainedModel model = new LastValue().fit(DATA, TrainOptions.defaults(), TrainingProgress.SILENT);
        float[] x = Synthetic.inputs(3, 40, 3, 7);

        assertThat(Parity.check(model, x, 3, 40, 3).max()).isLessThanOrEqualTo(1e-6);
        float[] y = model.forwardSequence(x, 3, 40, 3);
        // batch 1, step 10, horizon step 5, target 2 (OT) is x[1, 10, 2]
        assertThat(y[((40 + 10) * 12 + 5) * 3 + 2]).isEqualTo(x[(40 + 10) * 3 + 2]);
    }

    @Test
    void seasonalNaiveRepeatsTheLastSeasonAndStreamsExactly() throws Exception {
        TrainedModel model = new SeasonalNaive().fit(DATA, TrainOptions.defaults().withSeason(5, 25), TrainingProgress.SILENT);
        float[] x = Synthetic.inputs(2, 30, 3, 8);

        Parity.Result parity = Parity.check(model, x, 2, 30, 3);

        assertThat(parity.max()).isLessThanOrEqualTo(1e-6);
        float[] y = model.forwardSequence(x, 2, 30, 3);
        int s = 20;
        for (int h = 1; h <= 12; h++) {
            int source = s + h - 5 * (int) Math.ceil(h / 5.0);
            assertThat(y[((30 + s) * 12 + h - 1) * 3]).as("h=%d", h).isEqualTo(x[(30 + source) * 3]);
        }
        assertThat(model.state()).hasSize(1);
        assertThat(model.state().get(0).length()).isEqualTo(4);
    }
}
