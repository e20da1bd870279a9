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

/** Mamba: DJL's loop over time, the ONNX Scan of the sequence graph and the step graph iterated agree. */
class MambaParityTest {

    private static final TrainOptions OPTIONS = TrainOptions.defaults().withLearningRate(1e-2f).withEpochs(1).withSize(8, 2).withMaxTrainWindows(64);

    @ParameterizedTest
    @EnumSource(value = Mode.class)
    void selectiveScanStreamsLikeTheSequence(Mode mode) throws Exception {
        Dataset data = Dataset.of(Synthetic.hourly(400, List.of("HUFL", "MUFL", "OT"), 51), mode, "OT", 24, 6);
        try (TrainedModel model = new Mamba().fit(data, OPTIONS, TrainingProgress.SILENT)) {
            int f = data.features();
            Parity.Result parity = Parity.check(model, Synthetic.inputs(2, 60, f, 52), 2, 60, f);
            double correction = NetContribution.largestCorrection(model, Synthetic.inputs(2, 60, f, 52), 2, 60, f, data.targetIndex());

            assertThat(parity.max()).as("%s %s", mode, parity).isLessThanOrEqualTo(1e-4);
            assertThat(correction).as("the net moves the forecast off persistence").isGreaterThan(0.1);
        }
    }

    @Test
    void eachLayerCarriesItsStatesAndAShortConvWindowWhateverTheLookback() throws Exception {
        TrainOptions quick = OPTIONS.withMaxTrainWindows(16);
        for (int lookback : new int[]{12, 48}) {
            Dataset data = Dataset.of(Synthetic.hourly(400, List.of("HUFL", "OT"), 53), Mode.M, "OT", lookback, 6);
            try (TrainedModel model = new Mamba().fit(data, quick, TrainingProgress.SILENT)) {
                List<StateTensor> state = model.state();

                assertThat(state).extracting(StateTensor::name).containsExactly("h0", "conv0", "h1", "conv1", "previous");
                assertThat(state).extracting(StateTensor::kind).containsExactly(StateTensor.Kind.CARRY, StateTensor.Kind.WINDOW,
                        StateTensor.Kind.CARRY, StateTensor.Kind.WINDOW, StateTensor.Kind.WINDOW);
                assertThat(state.get(0).shape()).as("per channel: D = 2 x 8 inner channels x 8 states").containsExactly(2, 16, 8);
                assertThat(state.get(1).length()).as("a conv of 4 taps keeps the 3 previous inputs").isEqualTo(3);
                assertThat(state.get(1).shape()).containsExactly(2, 16);
                // 2 layers x 2 channels x (16 x 8 + 3 x 16) floats, 2 previous inputs and their flag
                assertThat(state.stream().mapToLong(StateTensor::bytesPerEntity).sum()).isEqualTo(4L * (2 * 2 * (128 + 48) + 3));
            }
        }
    }
}
