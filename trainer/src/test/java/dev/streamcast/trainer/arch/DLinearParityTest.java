package dev.streamcast.trainer.arch;

import dev.streamcast.trainer.Synthetic;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.data.Mode;
import dev.streamcast.trainer.eval.Parity;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DLinearParityTest {

    @Test
    void theCollapsedLinearMapStreamsLikeTheTrainedDecomposition() throws Exception {
        Dataset data = Dataset.of(Synthetic.hourly(700, List.of("HUFL", "MUFL", "OT"), 5), Mode.M, "OT", 24, 6);
        TrainOptions options = TrainOptions.defaults().withEpochs(3).withMaxTrainWindows(256).withSeason(24, 5);
        try (TrainedModel model = new DLinear().fit(data, options, TrainingProgress.SILENT)) {
            float[] x = Synthetic.inputs(2, 60, 3, 13);

            Parity.Result parity = Parity.check(model, x, 2, 60, 3);

            assertThat(parity.max()).as("%s", parity).isLessThanOrEqualTo(1e-4);
            assertThat(model.parameterCount()).isEqualTo(2 * (24 * 6 + 6));
            assertThat(model.state().get(0).length()).isEqualTo(23);
        }
    }

    @Test
    void theTrendOperatorAveragesWithReplicatedEnds() {
        float[] a = DLinear.averaging(5, 3);
        // row 0 averages x0 (replicated), x0, x1; row 2 averages x1, x2, x3
        assertThat(a[0]).isEqualTo(2f / 3);
        assertThat(a[1]).isEqualTo(1f / 3);
        assertThat(new float[]{a[10], a[11], a[12], a[13], a[14]}).containsExactly(0f, 1f / 3, 1f / 3, 1f / 3, 0f);
        for (int i = 0; i < 5; i++) {
            float row = 0;
            for (int j = 0; j < 5; j++) {
                row += a[i * 5 + j];
            }
            assertThat(row).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-6f));
        }
    }
}
