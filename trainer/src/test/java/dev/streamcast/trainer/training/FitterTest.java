package dev.streamcast.trainer.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import dev.streamcast.trainer.testing.TestSeries;
import dev.streamcast.trainer.arch.TrainOptions;
import dev.streamcast.trainer.arch.TrainingProgress;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.data.Mode;
import dev.streamcast.trainer.data.SeriesTable;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The training loop against a batch whose loss is not finite: skipped, reported, no update from it. */
class FitterTest {

    /** A spike in the training months: the windows holding it have an input far from the rest (z about 19). */
    private static final Dataset SPIKED = spiked();

    private static Dataset spiked() {
        SeriesTable table = TestSeries.hourly(600, List.of("OT"), 7);
        table.values()[100][0] += 200;
        return Dataset.of(table, Mode.S, "OT", 24, 6);
    }

    /**
     * Persistence scaled by one weight w (starting at 0), whose forecast is NaN for a window whose
     * largest |input| reaches {@code limit}: log(limit - max|x|) * 0, as an overflow deep in a net would be.
     */
    static final class PoisonedPersistence extends ForecastBlock {
        private final Parameter weight;
        private final int horizon;
        private final float limit;
        private final boolean inGradient;

        PoisonedPersistence(int horizon, float limit) {
            this(horizon, limit, false);
        }

        /**
         * {@code inGradient}: the forecast stays finite and the gradient of w is NaN instead,
         * through sqrt((w + 1) relu(limit - max|x|)) * 0, whose derivative at 0 is 0 / 0.
         */
        PoisonedPersistence(int horizon, float limit, boolean inGradient) {
            super((byte) 1);
            this.horizon = horizon;
            this.limit = limit;
            this.inGradient = inGradient;
            weight = addParameter(Parameter.builder().setName("w").setType(Parameter.Type.WEIGHT)
                    .optShape(new Shape(1)).optInitializer(Initializer.ZEROS).build());
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();                                                  // [N, L, 1]
            NDArray last = x.get(":, -1:, :");                                                      // [N, 1, 1]
            NDArray w = store.getValue(weight, x.getDevice(), training);
            NDArray forecast = last.mul(w).repeat(1, horizon);
            NDArray room = x.abs().max(new int[]{1}, true).neg().add(limit);                   // [N, 1, 1]
            NDArray poison = inGradient
                    ? w.add(1f).mul(room.maximum(0f)).sqrt().mul(0f)                           // 0; its gradient NaN where room <= 0
                    : room.log().mul(0f);                                                     // 0, or NaN
            return new NDList(forecast.add(poison));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[]{new Shape(inputShapes[0].get(0), horizon, 1)};
        }
    }

    private record Skip(int epoch, int skipped, int batches, String first) {
    }

    private static final class Recorder implements TrainingProgress {
        final List<Skip> skips = new ArrayList<>();
        final List<Double> validation = new ArrayList<>();

        @Override
        public void epoch(String architecture, int epoch, int maxEpochs, double trainLoss, double validationLoss, double seconds) {
            validation.add(validationLoss);
        }

        @Override
        public void skipped(String architecture, int epoch, int skipped, int batches, String first) {
            skips.add(new Skip(epoch, skipped, batches, first));
        }
    }

    @Test
    void aBatchWithANonFiniteLossIsSkippedAndTheRestStillTrain() {
        Recorder progress = new Recorder();
        TrainOptions options = TrainOptions.defaults().withEpochs(3).withLearningRate(0.05f);
        try (Fitter fitter = Fitter.fit("poisoned", new PoisonedPersistence(6, 5f), SPIKED, options, progress, 0.05f)) {
            float w = fitter.parameters().get("w")[0];
            // Without the skip the first poisoned batch makes w NaN, and every later forecast with it;
            // with it, w moves from 0 towards persistence on the clean batches.
            assertThat(w).isFinite().isGreaterThan(0.1f);
            assertThat(progress.validation).hasSize(3).allSatisfy(v -> assertThat(v).isFinite());
        }
        assertThat(progress.skips).hasSize(3);
        int windows = SPIKED.windowStarts(Dataset.Split.TRAIN).length;
        for (Skip skip : progress.skips) {
            assertThat(skip.batches()).isEqualTo((windows + 31) / 32);
            // the spike lies in 24 windows' inputs: shuffled, they fall in at least 1 and at most 24 batches
            assertThat(skip.skipped()).isBetween(1, 24);
            assertThat(skip.first()).isEqualTo("loss NaN");
        }
    }

    @Test
    void aBatchWithANonFiniteGradientIsSkippedAndItsGradientCleared() {
        Recorder progress = new Recorder();
        TrainOptions options = TrainOptions.defaults().withEpochs(3).withLearningRate(0.05f);
        try (Fitter fitter = Fitter.fit("poisoned", new PoisonedPersistence(6, 5f, true), SPIKED, options, progress, 0.05f)) {
            assertThat(fitter.parameters().get("w")[0]).isFinite().isGreaterThan(0.1f);
        }
        assertThat(progress.skips).hasSize(3).allSatisfy(skip -> {
            assertThat(skip.first()).isEqualTo("gradient of w");
            // a NaN left in the gradient would be added to every later batch's and skip them all
            assertThat(skip.skipped()).isBetween(1, 24);
        });
    }

    @Test
    void whenEveryBatchIsSkippedTrainingStopsWithTheStartingParameters() {
        Recorder progress = new Recorder();
        TrainOptions options = TrainOptions.defaults().withEpochs(5).withLearningRate(0.05f);
        try (Fitter fitter = Fitter.fit("poisoned", new PoisonedPersistence(6, 0f), SPIKED, options, progress, 0.05f)) {
            assertThat(fitter.parameters().get("w")[0]).isZero();
        }
        assertThat(progress.validation).hasSize(1);
        assertThat(progress.validation.get(0)).isNaN();
        assertThat(progress.skips).singleElement().satisfies(skip -> assertThat(skip.skipped()).isEqualTo(skip.batches()));
    }
}
