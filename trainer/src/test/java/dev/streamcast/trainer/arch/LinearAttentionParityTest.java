package dev.streamcast.trainer.arch;

import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.Synthetic;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.data.Mode;
import dev.streamcast.trainer.eval.Parity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Linear attention: the attention form (DJL, ONNX sequence) equals the running sums iterated (ONNX step). */
class LinearAttentionParityTest {

    private static final TrainOptions OPTIONS = TrainOptions.defaults().withLearningRate(1e-2f).withEpochs(2).withSize(8, 2).withMaxTrainWindows(96);

    @ParameterizedTest
    @EnumSource(value = Mode.class)
    void runningSumsStreamLikeTheAttentionForm(Mode mode) throws Exception {
        Dataset data = Dataset.of(Synthetic.hourly(700, List.of("HUFL", "MUFL", "OT"), 31), mode, "OT", 24, 6);
        try (TrainedModel model = new LinearAttention().fit(data, OPTIONS, TrainingProgress.SILENT)) {
            int f = data.features();
            Parity.Result parity = Parity.check(model, Synthetic.inputs(2, 80, f, 32), 2, 80, f);
            double correction = NetContribution.largestCorrection(model, Synthetic.inputs(2, 80, f, 32), 2, 80, f, data.targetIndex());

            assertThat(parity.max()).as("%s %s", mode, parity).isLessThanOrEqualTo(1e-4);
            assertThat(correction).as("the net moves the forecast off persistence").isGreaterThan(0.1);
        }
    }

    @Test
    void theSumsAreCarriedAndTheirSizeDoesNotDependOnTheLookback() throws Exception {
        TrainOptions quick = OPTIONS.withEpochs(1).withMaxTrainWindows(32);
        for (int lookback : new int[]{12, 48}) {
            Dataset data = Dataset.of(Synthetic.hourly(600, List.of("HUFL", "OT"), 33), Mode.M, "OT", lookback, 6);
            try (TrainedModel model = new LinearAttention().fit(data, quick, TrainingProgress.SILENT)) {
                List<StateTensor> state = model.state();

                assertThat(state).extracting(StateTensor::name).containsExactly("S0", "z0", "S1", "z1", "previous");
                assertThat(state.get(0).kind()).isEqualTo(StateTensor.Kind.CARRY);
                assertThat(state.get(0).shape()).as("per channel, 4 heads of d = 2").containsExactly(2, 4, 2, 2);
                assertThat(state.get(1).shape()).containsExactly(2, 4, 2);
                // 2 layers x 2 channels x (4 x 2 x 2 + 4 x 2) floats, 2 previous inputs and their flag
                assertThat(state.stream().mapToLong(StateTensor::bytesPerEntity).sum()).isEqualTo(4L * (2 * 2 * (16 + 8) + 3));
            }
        }
    }
}
