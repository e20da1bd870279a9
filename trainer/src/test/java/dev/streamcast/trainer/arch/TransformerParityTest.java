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

/** The sliding-window transformer: DJL, the ONNX sequence graph and the step graph over its key/value cache agree. */
class TransformerParityTest {

    private static final TrainOptions OPTIONS = TrainOptions.defaults().withLearningRate(1e-2f).withEpochs(2).withSize(8, 2).withMaxTrainWindows(96);

    @ParameterizedTest
    @EnumSource(value = Mode.class)
    void keyValueCacheStreamsLikeTheMaskedSequence(Mode mode) throws Exception {
        Dataset data = Dataset.of(Synthetic.hourly(700, List.of("HUFL", "MUFL", "OT"), 21), mode, "OT", 24, 6);
        try (TrainedModel model = new SlidingWindowTransformer().fit(data, OPTIONS, TrainingProgress.SILENT)) {
            int f = data.features();
            // 60 steps: the window (12) slides, and the first 12 steps see a partly filled cache
            Parity.Result parity = Parity.check(model, Synthetic.inputs(2, 60, f, 22), 2, 60, f);
            double correction = NetContribution.largestCorrection(model, Synthetic.inputs(2, 60, f, 22), 2, 60, f, data.targetIndex());

            assertThat(parity.max()).as("%s %s", mode, parity).isLessThanOrEqualTo(1e-4);
            assertThat(correction).as("the net moves the forecast off persistence").isGreaterThan(0.1);
            assertThat(levelShiftError(model, f)).as("the level reaches the forecast only through the persistence skip")
                    .isLessThanOrEqualTo(1e-4);
            assertThat(model.hyperParameters()).containsEntry("window", 12L).containsEntry("heads", 4L)
                    .containsEntry("channelIndependent", mode != Mode.MS);
        }
    }

    /** The largest deviation of forecast(x + 3) - forecast(x) from 3, over a window whose level lies outside training. */
    private static double levelShiftError(TrainedModel model, int f) {
        float[] x = Synthetic.inputs(2, 24, f, 25);
        float[] shifted = x.clone();
        for (int i = 0; i < shifted.length; i++) {
            shifted[i] += 3f;
        }
        float[] base = model.forecast(x, 2, 24, f);
        float[] moved = model.forecast(shifted, 2, 24, f);
        double max = 0;
        for (int i = 0; i < base.length; i++) {
            max = Math.max(max, Math.abs(moved[i] - base[i] - 3f));
        }
        return max;
    }

    @Test
    void theCacheHoldsExactlyWKeysAndValuesPerLayer() throws Exception {
        Dataset data = Dataset.of(Synthetic.hourly(600, List.of("HUFL", "OT"), 23), Mode.M, "OT", 24, 6);
        try (TrainedModel model = new SlidingWindowTransformer(5).fit(data, OPTIONS.withEpochs(1), TrainingProgress.SILENT)) {
            List<StateTensor> state = model.state();

            assertThat(state).extracting(StateTensor::name).containsExactly("kv0", "kv1", "filled", "previous");
            assertThat(state).extracting(StateTensor::length).containsExactly(5, 5, 5, 1);
            assertThat(state.get(0).kind()).isEqualTo(StateTensor.Kind.WINDOW);
            assertThat(state.get(0).shape()).as("per channel: keys and values of 8 channels").containsExactly(2, 16);
            // 2 layers x 5 entries x 2 channels x 16 floats, 5 flags, 2 previous inputs and their flag
            assertThat(state.stream().mapToLong(StateTensor::bytesPerEntity).sum()).isEqualTo(4L * (2 * 5 * 2 * 16 + 5 + 3));
            assertThat(Parity.check(model, Synthetic.inputs(1, 30, 2, 24), 1, 30, 2).max()).isLessThanOrEqualTo(1e-4);
        }
    }

    @Test
    void theDefaultWindowLetsTheStackSeeTheWholeLookback() {
        assertThat(SlidingWindowTransformer.defaultWindow(96, 2)).isEqualTo(48);   // 2 * 48 + 1 = 97 >= 96
        assertThat(SlidingWindowTransformer.defaultWindow(24, 2)).isEqualTo(12);
        assertThat(SlidingWindowTransformer.defaultWindow(96, 3)).isEqualTo(32);
        assertThat(SlidingWindowTransformer.defaultWindow(2, 4)).isEqualTo(1);
    }
}
