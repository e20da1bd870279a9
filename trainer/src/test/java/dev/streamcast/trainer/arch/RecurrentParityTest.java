package dev.streamcast.trainer.arch;

import dev.streamcast.trainer.Synthetic;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.data.Mode;
import dev.streamcast.trainer.eval.Parity;
import dev.streamcast.trainer.onnx.GateOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** DJL's forward, the ONNX sequence graph and the ONNX step graph iterated agree within 1e-4, after real training. */
class RecurrentParityTest {

    private static final Dataset DATA = Dataset.of(Synthetic.hourly(700, List.of("HUFL", "MUFL", "OT"), 3), Mode.M, "OT", 24, 6);
    /** Exogenous inputs (MS: every column in, OT out): one network over all channels instead of one per channel. */
    private static final Dataset MIXED = Dataset.of(Synthetic.hourly(700, List.of("HUFL", "MUFL", "OT"), 4), Mode.MS, "OT", 24, 6);

    @ParameterizedTest
    @EnumSource(GateOrder.class)
    void trainedStackedNetworkStreamsLikeItsSequence(GateOrder cell) throws Exception {
        TrainOptions options = TrainOptions.defaults().withEpochs(2).withSize(8, 2).withMaxTrainWindows(128);
        try (TrainedModel model = new RecurrentNet(cell).fit(DATA, options, TrainingProgress.SILENT)) {
            float[] x = Synthetic.inputs(3, 50, 3, 11);

            Parity.Result parity = Parity.check(model, x, 3, 50, 3);

            assertThat(parity.max()).as("%s %s", cell, parity).isLessThanOrEqualTo(1e-4);
            assertThat(model.parameterCount()).isPositive();
            assertThat(model.state()).extracting(s -> s.name())
                    .containsExactlyElementsOf(cell == GateOrder.LSTM ? List.of("h", "c", "previous") : List.of("h", "previous"));
            float[] forecast = model.forecast(DATA.inputs(DATA.windowStarts(Dataset.Split.TEST), 0, 4), 4, 24, 3);
            assertThat(forecast).hasSize(4 * 6 * 3);
            assertThat(model.state().get(0).shape()).as("one state per channel").containsExactly(3, 2, 8);
        }
    }

    /** The highway's window ring (step) and lagged windows (sequence, DJL) agree, with and without channel independence. */
    @ParameterizedTest
    @EnumSource(value = Mode.class, names = {"M", "MS"})
    void highwayStreamsLikeItsSequence(Mode mode) throws Exception {
        Dataset data = mode == Mode.M ? DATA : MIXED;
        TrainOptions options = TrainOptions.defaults().withLearningRate(1e-2f).withEpochs(2).withSize(8, 2).withMaxTrainWindows(128);
        try (TrainedModel model = new RecurrentNet(GateOrder.GRU, true).fit(data, options, TrainingProgress.SILENT)) {
            float[] x = Synthetic.inputs(2, 60, 3, 13);

            Parity.Result parity = Parity.check(model, x, 2, 60, 3);
            double correction = NetContribution.largestCorrection(model, x, 2, 60, 3, data.targetIndex());

            assertThat(parity.max()).as("%s %s", mode, parity).isLessThanOrEqualTo(1e-4);
            assertThat(correction).as("the trained model moves off persistence").isGreaterThan(0.1);
            assertThat(model.architecture()).isEqualTo("gru-highway");
            assertThat(model.state()).extracting(s -> s.name()).containsExactly("h", "previous", "highway");
            assertThat(model.state().get(2).shape()).as("the last L - 1 target values").containsExactly(data.targets().size());
            assertThat(model.state().get(2).length()).isEqualTo(23);
        }
    }

    @ParameterizedTest
    @EnumSource(GateOrder.class)
    void withExogenousInputsOneNetworkSeesAllChannels(GateOrder cell) throws Exception {
        TrainOptions options = TrainOptions.defaults().withEpochs(1).withSize(8, 2).withMaxTrainWindows(64);
        try (TrainedModel model = new RecurrentNet(cell).fit(MIXED, options, TrainingProgress.SILENT)) {
            Parity.Result parity = Parity.check(model, Synthetic.inputs(2, 40, 3, 12), 2, 40, 3);

            assertThat(parity.max()).as("%s %s", cell, parity).isLessThanOrEqualTo(1e-4);
            assertThat(model.state().get(0).shape()).containsExactly(2, 8);
            assertThat(model.hyperParameters()).containsEntry("channelIndependent", false);
        }
    }
}
