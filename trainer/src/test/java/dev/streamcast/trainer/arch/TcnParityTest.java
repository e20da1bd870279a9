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

class TcnParityTest {

    @ParameterizedTest
    @EnumSource(value = Mode.class)
    void dilatedTapsKeptAsWindowsStreamLikeTheSequence(Mode mode) throws Exception {
        Dataset data = Dataset.of(Synthetic.hourly(700, List.of("HUFL", "MUFL", "OT"), 6), mode, "OT", 24, 6);
        TrainOptions options = TrainOptions.defaults().withEpochs(2).withSize(8, 2).withMaxTrainWindows(128);
        try (TrainedModel model = new Tcn().fit(data, options, TrainingProgress.SILENT)) {
            int f = data.features();
            Parity.Result parity = Parity.check(model, Synthetic.inputs(2, 60, f, 14), 2, 60, f);

            assertThat(parity.max()).as("%s %s", mode, parity).isLessThanOrEqualTo(1e-4);
            // dilations 1, 2, 4, 8 cover a look-back of 24: windows of 2, 4, 8 and 16 taps, and the previous input
            assertThat(model.state()).extracting(StateTensor::name).containsExactly("b0", "b1", "b2", "b3", "previous");
            assertThat(model.state()).extracting(StateTensor::length).containsExactly(2, 4, 8, 16, 1);
        }
    }

    @Test
    void theReceptiveFieldCoversTheLookback() {
        assertThat(Tcn.dilations(96)).containsExactly(1, 2, 4, 8, 16, 32);
        assertThat(Tcn.dilations(24)).containsExactly(1, 2, 4, 8);
        assertThat(Tcn.dilations(2)).containsExactly(1);
    }
}
