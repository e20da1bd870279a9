package dev.streamcast.trainer.arch;

import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.Manifests;
import dev.streamcast.trainer.testing.TestSeries;
import dev.streamcast.trainer.bundle.BundleWriter;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.data.Mode;
import dev.streamcast.trainer.eval.Backtest;
import dev.streamcast.trainer.eval.Parity;
import dev.streamcast.trainer.onnx.OrtRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class QuantileHeadTest {

    static final Dataset DATA = Dataset.of(TestSeries.hourly(900, List.of("HUFL", "OT"), 7), Mode.M, "OT", 24, 6);
    static final double[] LEVELS = {0.1, 0.5, 0.9};

    @TempDir
    Path dir;

    @Test
    void theMedianIsAlwaysALevelAndLevelsMustLieInsideZeroOne() {
        assertThat(TrainOptions.levels(0.9, 0.1)).containsExactly(0.1, 0.5, 0.9);
        assertThat(TrainOptions.levels()).isEmpty();
        assertThat(TrainOptions.defaults().withQuantiles(0.05, 0.95).headSlots(96)).isEqualTo(96 * 3);
        assertThatThrownBy(() -> TrainOptions.levels(0.1, 1.0))
                .hasMessageContaining("strictly between 0 and 1, got 1.0");
    }

    @Test
    void aLearnedQuantileHeadStreamsLikeItsTrainingFrameworkAndBracketsTheMedian() throws Exception {
        TrainOptions options = TrainOptions.defaults().withEpochs(25).withSize(8, 1).withLearningRate(1e-2f).withQuantiles(LEVELS);
        try (TrainedModel model = QuantileHead.fit(new RecurrentNet(dev.streamcast.trainer.onnx.GateOrder.GRU), DATA, options,
                TrainingProgress.SILENT)) {
            assertThat(model.quantiles()).containsExactly(LEVELS);
            float[] x = TestSeries.inputs(2, 40, 2, 3);

            Parity.Result parity = Parity.check(model, x, 2, 40, 2);
            float[] levels = model.forwardSequence(x, 2, 40, 2);                   // [B, S, H, T, Q]

            assertThat(parity.max()).as("%s", parity).isLessThanOrEqualTo(1e-4);
            assertThat(levels).hasSize(2 * 40 * 6 * 2 * 3);
            Backtest.Scores scores = Backtest.test(model, DATA);
            assertThat(scores.pinball()).isLessThan(scores.mae());                // pinball <= MAE / 2 for a perfect median
            assertThat(scores.coverage()).as("nominal 0.8").isBetween(0.55, 0.97);
            assertThat(orderedShare(model.forecast(DATA.inputs(DATA.windowStarts(Dataset.Split.TEST), 0, 64), 64, 24, 2)))
                    .as("share of forecasts with q0.1 <= q0.5 <= q0.9").isGreaterThan(0.95);
        }
    }

    @Test
    void aBaselineGetsTheEmpiricalQuantilesOfItsTrainingResiduals() throws Exception {
        TrainOptions options = TrainOptions.defaults().withQuantiles(LEVELS);
        try (TrainedModel model = QuantileHead.fit(Baseline.lastValue(), DATA, options, TrainingProgress.SILENT);
             TrainedModel point = Baseline.lastValue().fit(DATA, options, TrainingProgress.SILENT)) {
            int[] train = DATA.windowStarts(Dataset.Split.TRAIN);
            int n = train.length;
            float[] x = DATA.inputs(train, 0, n);
            float[] pointForecast = point.forecast(x, n, 24, 2);                    // [N, H, T]
            float[] actual = DATA.targets(train, 0, n);
            double[] residuals = new double[n];
            for (int w = 0; w < n; w++) {                                           // horizon step 3 of target OT
                int i = (w * 6 + 2) * 2 + 1;
                residuals[w] = actual[i] - pointForecast[i];
            }
            Arrays.sort(residuals);

            float[] levels = model.forecast(x, 1, 24, 2);                           // [1, H, T, Q]

            int cell = (2 * 2 + 1) * 3;
            assertThat(levels[cell] - pointForecast[(2) * 2 + 1]).isCloseTo((float) QuantileHead.quantile(residuals, 0.1), within(1e-5f));
            assertThat(levels[cell + 2] - pointForecast[(2) * 2 + 1]).isCloseTo((float) QuantileHead.quantile(residuals, 0.9), within(1e-5f));
            assertThat(Parity.check(model, TestSeries.inputs(2, 30, 2, 4), 2, 30, 2).max()).isLessThanOrEqualTo(1e-5);
            assertThat(Backtest.test(model, DATA).coverage()).isBetween(0.6, 0.95);
        }
    }

    @Test
    void aQuantileBundleDeclaresItsLevelsAndItsStepGraphAddsTheLevelDimension() throws Exception {
        TrainOptions options = TrainOptions.defaults().withEpochs(1).withMaxTrainWindows(64).withSeason(24, 5).withQuantiles(0.2, 0.8);
        try (TrainedModel model = QuantileHead.fit(new DLinear(), DATA, options, TrainingProgress.SILENT)) {
            BundleWriter.write(dir, "synthetic-q", model, DATA, Map.of("mse", 1.0));
        }

        BundleManifest manifest = Manifests.read(dir);
        float[] stepped = OrtRunner.iterate(ai.onnx.proto.OnnxMl.ModelProto.parseFrom(java.nio.file.Files.readAllBytes(dir.resolve("step.onnx"))), manifest.state(),
                TestSeries.inputs(3, 5, 2, 1), 3, 5, 2);

        assertThat(manifest.quantiles()).containsExactly(0.2, 0.5, 0.8);
        assertThat(stepped).hasSize(3 * 5 * 6 * 2 * 3);
    }

    /** Share of (window, step, target) cells whose levels are in ascending order, of [N, H, T, 3]. */
    private static double orderedShare(float[] levels) {
        int ordered = 0;
        int cells = levels.length / 3;
        for (int c = 0; c < cells; c++) {
            if (levels[c * 3] <= levels[c * 3 + 1] && levels[c * 3 + 1] <= levels[c * 3 + 2]) {
                ordered++;
            }
        }
        return (double) ordered / cells;
    }
}
