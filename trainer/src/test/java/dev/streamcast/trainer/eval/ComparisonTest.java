package dev.streamcast.trainer.eval;

import dev.streamcast.trainer.arch.Architectures;
import dev.streamcast.trainer.arch.TrainOptions;
import dev.streamcast.trainer.arch.TrainingProgress;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.data.Mode;
import dev.streamcast.trainer.testing.TestSeries;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Choosing on the validation split: each architecture's learning rate, and the champion among them, baselines included. */
class ComparisonTest {

    static Comparison.Row row(String arch, boolean trivial, double testMse, double valMse) {
        return new Comparison.Row(arch, trivial, testMse, 0.5, 10, 100, 1, 10, 1, Double.NaN, Double.NaN, valMse, trivial ? 0 : 1e-3f);
    }

    @Test
    void theChampionIsTheLowestValidationErrorNeverTheTestError() {
        List<Comparison.Row> rows = List.of(row("gru", false, 0.30, 0.52), row("dlinear", false, 0.35, 0.48),
                row("seasonal-naive", true, 0.60, 0.70));
        assertThat(Comparison.champion(rows).arch()).isEqualTo("dlinear");
        assertThat(Comparison.bestLearned(rows).orElseThrow().arch()).as("the benches' headline stays the test error").isEqualTo("gru");
    }

    @Test
    void aBaselineThatWinsOnValidationIsTheChampion() {
        List<Comparison.Row> rows = List.of(row("gru", false, 0.30, 0.52), row("last-value", true, 0.40, 0.50));
        assertThat(Comparison.champion(rows).arch()).isEqualTo("last-value");
    }

    @Test
    void aFitWithoutAFiniteValidationErrorIsNeverChampion() {
        assertThat(Comparison.champion(List.of(row("gru", false, 0.1, Double.NaN), row("last-value", true, 0.4, 0.9))).arch())
                .isEqualTo("last-value");
        assertThatThrownBy(() -> Comparison.champion(List.of(row("gru", false, 0.1, Double.NaN))))
                .hasMessageContaining("finite validation error");
    }

    @Test
    void theRatesTriedAreTheArchitecturesOwnAndOneMoreUnlessOneIsGiven() {
        assertThat(Comparison.learningRates(Architectures.byName("dlinear"), 0, true)).containsExactly(1e-4f, 1e-3f);
        assertThat(Comparison.learningRates(Architectures.byName("gru"), 0, true)).containsExactly(1e-3f, 3e-4f);
        assertThat(Comparison.learningRates(Architectures.byName("gru"), 0, false)).containsExactly(1e-3f);
        assertThat(Comparison.learningRates(Architectures.byName("gru"), 5e-4f, true)).containsExactly(5e-4f);
        assertThat(Comparison.learningRates(Architectures.byName("seasonal-naive"), 0, true)).containsExactly(0f);
    }

    @Test
    void aChoiceKeepsTheFitWithTheLowerValidationErrorAndReportsItsTestError() throws Exception {
        Dataset data = Dataset.of(TestSeries.hourly(900, List.of("load", "OT"), 7), Mode.S, "OT", 24, 6);
        TrainOptions options = TrainOptions.defaults().withEpochs(3).withMaxTrainWindows(256);
        List<float[]> tried = new ArrayList<>();
        TrainingProgress progress = new TrainingProgress() {
            @Override
            public void epoch(String a, int e, int m, double t, double v, double s) {
            }

            @Override
            public void choice(String a, float rate, double val) {
                tried.add(new float[]{rate, (float) val});
            }
        };
        double[] keptTest = new double[1];
        Comparison.Row row = Comparison.run(Architectures.byName("dlinear"), data, options, new float[]{1e-4f, 1e-2f}, progress,
                (model, r) -> keptTest[0] = Backtest.test(model, data).mse());

        assertThat(tried).hasSize(2);
        float[] better = tried.get(0)[1] <= tried.get(1)[1] ? tried.get(0) : tried.get(1);
        assertThat(row.learningRate()).isEqualTo(better[0]);
        assertThat(row.valMse()).isCloseTo(better[1], within(1e-5));
        assertThat(tried.get(0)[1]).as("the two rates train to different fits").isNotEqualTo(tried.get(1)[1]);
        assertThat(row.mse()).as("the kept model's test error").isEqualTo(keptTest[0]);
        assertThat(row.metrics()).containsEntry("val_mse", row.valMse());
    }

    @Test
    void aRefitRunsTheChosenEpochsOnTrainingAndValidationAndIsWhatIsKept() throws Exception {
        Dataset data = Dataset.of(TestSeries.hourly(900, List.of("load", "OT"), 7), Mode.S, "OT", 24, 6);
        TrainOptions options = TrainOptions.defaults().withEpochs(4).withMaxTrainWindows(0);
        List<double[]> epochs = new ArrayList<>(); // {epoch, validation loss}
        TrainingProgress progress = (a, e, m, t, v, s) -> epochs.add(new double[]{e, v});
        double[] keptTest = new double[1];
        Comparison.Row row = Comparison.run(Architectures.byName("dlinear"), data, options, new float[]{1e-3f}, true, progress,
                (model, r) -> keptTest[0] = Backtest.test(model, data).mse());

        int selection = 1;
        while (selection < epochs.size() && epochs.get(selection)[0] > epochs.get(selection - 1)[0]) {
            selection++;
        }
        int chosen = 1;
        for (int i = 0; i < selection; i++) {
            if (epochs.get(i)[1] < epochs.get(chosen - 1)[1]) {
                chosen = (int) epochs.get(i)[0];
            }
        }
        assertThat(epochs.size() - selection).as("the refit runs the epochs the choice's early stopping chose").isEqualTo(chosen);
        assertThat(row.mse()).as("the refit is what is tested and kept").isEqualTo(keptTest[0]);
        assertThat(row.valMse()).as("the validation error is the choice's, on data it was not fitted on").isFinite();

        Comparison.Row plain = Comparison.run(Architectures.byName("dlinear"), data, options, new float[]{1e-3f}, false,
                TrainingProgress.SILENT, (model, r) -> {
                });
        assertThat(plain.mse()).as("a fit on more windows forecasts the test split otherwise").isNotEqualTo(row.mse());
    }
}
