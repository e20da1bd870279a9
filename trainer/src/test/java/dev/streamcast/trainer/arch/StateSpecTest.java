package dev.streamcast.trainer.arch;

import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.testing.TestSeries;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.data.Mode;
import dev.streamcast.trainer.eval.Parity;
import dev.streamcast.trainer.arch.components.WindowStack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What each attention and state-space architecture keeps per entity (the parity of all of them is
 * {@link ArchitectureParityTest}'s): the summaries of linear attention, S4D and Mamba do not grow
 * with the look-back, the transformer's cache holds exactly its window.
 */
class StateSpecTest {

    private static final TrainOptions OPTIONS = TrainOptions.defaults().withLearningRate(1e-2f).withEpochs(2).withSize(8, 2)
            .withMaxTrainWindows(96);

    /** The state of {@code arch} trained briefly on two channels (HUFL, OT) in mode M. */
    private static List<StateTensor> state(Architecture arch, TrainOptions options, int rows, long seed, int lookback) {
        Dataset data = Dataset.of(TestSeries.hourly(rows, List.of("HUFL", "OT"), seed), Mode.M, "OT", lookback, 6);
        try (TrainedModel model = arch.fit(data, options, TrainingProgress.SILENT)) {
            return model.state();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {12, 48})
    void theSumsAreCarriedAndTheirSizeDoesNotDependOnTheLookback(int lookback) {
        List<StateTensor> state = state(new LinearAttention(), OPTIONS.withEpochs(1).withMaxTrainWindows(32), 600, 33, lookback);

        assertThat(state).extracting(StateTensor::name).containsExactly("S0", "z0", "S1", "z1", "previous");
        assertThat(state.get(0).kind()).isEqualTo(StateTensor.Kind.CARRY);
        assertThat(state.get(0).shape()).as("per channel, 4 heads of d = 2").containsExactly(2, 4, 2, 2);
        assertThat(state.get(1).shape()).containsExactly(2, 4, 2);
        // 2 layers x 2 channels x (4 x 2 x 2 + 4 x 2) floats, 2 previous inputs and their flag
        assertThat(state.stream().mapToLong(StateTensor::bytesPerEntity).sum()).isEqualTo(4L * (2 * 2 * (16 + 8) + 3));
    }

    @ParameterizedTest
    @ValueSource(ints = {12, 48})
    void eachLayerCarriesNStatesPerChannelWhateverTheLookback(int lookback) {
        List<StateTensor> state = state(new S4D(), OPTIONS.withEpochs(1).withMaxTrainWindows(32), 600, 43, lookback);

        assertThat(state).extracting(StateTensor::name).containsExactly("h0", "h1", "previous");
        assertThat(state.get(0).kind()).isEqualTo(StateTensor.Kind.CARRY);
        assertThat(state.get(0).shape()).as("per series channel: 8 model channels x 16 states").containsExactly(2, 8, 16);
        assertThat(state.stream().mapToLong(StateTensor::bytesPerEntity).sum()).isEqualTo(4L * (2 * 2 * 8 * 16 + 3));
    }

    @ParameterizedTest
    @ValueSource(ints = {12, 48})
    void eachLayerCarriesItsStatesAndAShortConvWindowWhateverTheLookback(int lookback) {
        List<StateTensor> state = state(new Mamba(), OPTIONS.withEpochs(1).withMaxTrainWindows(16), 400, 53, lookback);

        assertThat(state).extracting(StateTensor::name).containsExactly("h0", "conv0", "h1", "conv1", "previous");
        assertThat(state).extracting(StateTensor::kind).containsExactly(StateTensor.Kind.CARRY, StateTensor.Kind.WINDOW,
                StateTensor.Kind.CARRY, StateTensor.Kind.WINDOW, StateTensor.Kind.WINDOW);
        assertThat(state.get(0).shape()).as("per channel: D = 2 x 8 inner channels x 8 states").containsExactly(2, 16, 8);
        assertThat(state.get(1).length()).as("a conv of 4 taps keeps the 3 previous inputs").isEqualTo(3);
        assertThat(state.get(1).shape()).containsExactly(2, 16);
        // 2 layers x 2 channels x (16 x 8 + 3 x 16) floats, 2 previous inputs and their flag
        assertThat(state.stream().mapToLong(StateTensor::bytesPerEntity).sum()).isEqualTo(4L * (2 * 2 * (128 + 48) + 3));
    }

    @Test
    void theCacheHoldsExactlyWKeysAndValuesPerLayer() throws Exception {
        Dataset data = Dataset.of(TestSeries.hourly(600, List.of("HUFL", "OT"), 23), Mode.M, "OT", 24, 6);
        try (TrainedModel model = new SlidingWindowTransformer(5).fit(data, OPTIONS.withEpochs(1), TrainingProgress.SILENT)) {
            List<StateTensor> state = model.state();

            assertThat(state).extracting(StateTensor::name).containsExactly("kv0", "kv1", "filled", "previous");
            assertThat(state).extracting(StateTensor::length).containsExactly(5, 5, 5, 1);
            assertThat(state.get(0).kind()).isEqualTo(StateTensor.Kind.WINDOW);
            assertThat(state.get(0).shape()).as("per channel: keys and values of 8 channels").containsExactly(2, 16);
            // 2 layers x 5 entries x 2 channels x 16 floats, 5 flags, 2 previous inputs and their flag
            assertThat(state.stream().mapToLong(StateTensor::bytesPerEntity).sum()).isEqualTo(4L * (2 * 5 * 2 * 16 + 5 + 3));
            assertThat(Parity.check(model, TestSeries.inputs(1, 30, 2, 24), 1, 30, 2).max()).isLessThanOrEqualTo(1e-4);
        }
    }

    @Test
    void theDefaultWindowLetsTheStackSeeTheWholeLookback() {
        assertThat(WindowStack.defaultWindow(96, 2)).isEqualTo(48);   // 2 * 48 + 1 = 97 >= 96
        assertThat(WindowStack.defaultWindow(24, 2)).isEqualTo(12);
        assertThat(WindowStack.defaultWindow(96, 3)).isEqualTo(32);
        assertThat(WindowStack.defaultWindow(2, 4)).isEqualTo(1);
    }

    @Test
    void theReceptiveFieldCoversTheLookback() {
        assertThat(Tcn.dilations(96)).containsExactly(1, 2, 4, 8, 16, 32);
        assertThat(Tcn.dilations(24)).containsExactly(1, 2, 4, 8);
        assertThat(Tcn.dilations(2)).containsExactly(1);
    }
}
