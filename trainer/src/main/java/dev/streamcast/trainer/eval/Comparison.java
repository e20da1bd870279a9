package dev.streamcast.trainer.eval;

import ai.onnxruntime.OrtException;
import dev.streamcast.trainer.arch.Architecture;
import dev.streamcast.trainer.arch.TrainOptions;
import dev.streamcast.trainer.arch.QuantileHead;
import dev.streamcast.trainer.arch.TrainedModel;
import dev.streamcast.trainer.arch.TrainingProgress;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.onnx.OrtRunner;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * Trains one architecture and measures what users choose by, side by side: test MSE and MAE,
 * parameters, state bytes per entity, ONNX Runtime step latency at batch 1 and 256, training time;
 * and, over the rows of a comparison, picks the champion.
 */
public final class Comparison {

    /** {@code pinball} and {@code coverage} are NaN without a quantile head. */
    public record Row(String arch, boolean trivial, double mse, double mae, long params, long stateBytes, double stepMicrosB1,
               double stepMicrosB256, double trainSeconds, double pinball, double coverage, double valMse, float learningRate) {

        public boolean hasQuantiles() {
            return !Double.isNaN(pinball);
        }

        /** The backtest and measurements as the manifest's (and the registry's) metrics. */
        public Map<String, Double> metrics() {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("mse", mse);
            m.put("mae", mae);
            m.put("val_mse", valMse);
            m.put("step_us_b1", stepMicrosB1);
            m.put("step_us_b256", stepMicrosB256);
            m.put("train_s", trainSeconds);
            if (hasQuantiles()) {
                m.put("pinball", pinball);
            }
            if (!Double.isNaN(coverage)) {
                m.put("coverage", coverage);
            }
            return m;
        }

        public String line() {
            String line = String.format("arch=%s mse=%.4f mae=%.4f val_mse=%.4f params=%d state_bytes=%d step_us_b1=%.1f"
                    + " step_us_b256=%.1f train_s=%.1f", arch, mse, mae, valMse, params, stateBytes, stepMicrosB1, stepMicrosB256,
                    trainSeconds);
            if (learningRate > 0) {
                line += String.format(" lr=%.0e", learningRate);
            }
            if (hasQuantiles()) {
                line += String.format(" pinball=%.4f", pinball);
            }
            if (!Double.isNaN(coverage)) {
                line += String.format(" coverage=%.3f", coverage);
            }
            return line;
        }
    }

    private Comparison() {
    }

    /**
     * The learning rates a choice tries for {@code arch}: {@code given} when positive; else its default and one more
     * (1e-3, or 3e-4 when the default is 1e-3) when {@code choose}; else its default alone. None for a baseline.
     */
    public static float[] learningRates(Architecture arch, float given, boolean choose) {
        if (arch.trivial()) {
            return new float[]{0f};
        }
        if (given > 0) {
            return new float[]{given};
        }
        float base = arch.learningRate();
        if (!choose) {
            return new float[]{base};
        }
        return new float[]{base, base == 1e-3f ? 3e-4f : 1e-3f};
    }

    /**
     * Fits {@code arch} at each of {@code rates} (see {@link #learningRates}), keeps the fit with the lowest
     * validation MSE, backtests it on the test split and times it; hands it to {@code keep} before closing it.
     * The training time is that of every fit tried: what the choice cost.
     */
    public static Row run(Architecture arch, Dataset data, TrainOptions options, float[] rates, TrainingProgress progress,
                          BiConsumer<TrainedModel, Row> keep) throws OrtException {
        return run(arch, data, options, rates, false, progress, keep);
    }

    /**
     * The same; with {@code refit}, the chosen fit is then fitted again on training and validation together
     * ({@link Dataset#refitting}) at its learning rate for the epochs its early stopping chose, and that refit is what
     * is backtested, timed and kept: the validation MSE stays the chosen fit's (what the choice was made on), the test
     * split stays held out.
     */
    public static Row run(Architecture arch, Dataset data, TrainOptions options, float[] rates, boolean refit,
                          TrainingProgress progress, BiConsumer<TrainedModel, Row> keep) throws OrtException {
        long start = System.nanoTime();
        TrainedModel best = null;
        double bestVal = Double.POSITIVE_INFINITY;
        float bestRate = 0;
        int bestEpochs = 0;
        try {
            for (float rate : rates) {
                BestEpoch epochs = new BestEpoch(progress);
                TrainedModel model = QuantileHead.fit(arch, data, rate > 0 ? options.withLearningRate(rate) : options, epochs);
                double val = Backtest.validate(model, data).mse();
                if (rates.length > 1) {
                    progress.choice(arch.name(), rate, val);
                }
                if (best == null || val < bestVal) { // NaN never wins over a finite fit
                    if (best != null) {
                        best.close();
                    }
                    best = model;
                    bestVal = val;
                    bestRate = rate;
                    bestEpochs = epochs.epoch();
                } else {
                    model.close();
                }
            }
            if (refit) {
                TrainOptions again = (bestRate > 0 ? options.withLearningRate(bestRate) : options).withEpochs(Math.max(1, bestEpochs));
                TrainedModel refitted = QuantileHead.fit(arch, data.refitting(), again, progress);
                best.close();
                best = refitted;
            }
            double trainSeconds = (System.nanoTime() - start) / 1e9;
            Backtest.Scores scores = Backtest.test(best, data);
            double b1 = OrtRunner.stepMicros(best.stepGraph(), best.state(), 1, data.features(), 2000);
            double b256 = OrtRunner.stepMicros(best.stepGraph(), best.state(), 256, data.features(), 200);
            long stateBytes = best.state().stream().mapToLong(s -> s.bytesPerEntity()).sum();
            Row row = new Row(arch.name(), arch.trivial(), scores.mse(), scores.mae(), best.parameterCount(), stateBytes,
                    b1, b256, trainSeconds, scores.pinball(), scores.coverage(), bestVal, bestRate);
            keep.accept(best, row);
            return row;
        } finally {
            if (best != null) {
                best.close();
            }
        }
    }

    /** Passes epochs on and remembers the one with the lowest finite validation loss: where early stopping ended up. */
    private static final class BestEpoch implements TrainingProgress {
        private final TrainingProgress next;
        private int epoch;
        private double loss = Double.POSITIVE_INFINITY;

        BestEpoch(TrainingProgress next) {
            this.next = next;
        }

        @Override
        public void epoch(String a, int e, int max, double train, double validation, double seconds) {
            if (validation < loss) {
                loss = validation;
                epoch = e;
            }
            next.epoch(a, e, max, train, validation, seconds);
        }

        @Override
        public void skipped(String a, int e, int skipped, int batches, String first) {
            next.skipped(a, e, skipped, batches, first);
        }

        @Override
        public void choice(String a, float rate, double validation) {
            next.choice(a, rate, validation);
        }

        int epoch() {
            return epoch;
        }
    }

    /** {@link #run(Architecture, Dataset, TrainOptions, float[], TrainingProgress, BiConsumer)} at the options' rate (or the default). */
    public static Row run(Architecture arch, Dataset data, TrainOptions options, TrainingProgress progress,
                          BiConsumer<TrainedModel, Row> keep) throws OrtException {
        return run(arch, data, options, learningRates(arch, options.learningRate(), false), progress, keep);
    }

    /** The learned architecture with the lowest test MSE; empty when only baselines ran (the benches' headline). */
    public static Optional<Row> bestLearned(List<Row> rows) {
        return rows.stream().filter(r -> !r.trivial()).min(Comparator.comparingDouble(Row::mse));
    }

    /**
     * The champion, the version an alias should point to: the architecture with the lowest validation MSE, baselines
     * included (a learned model that does not beat persistence on data it was not fitted on should not serve). The
     * test split plays no part: it is what the choice is reported on.
     */
    public static Row champion(List<Row> rows) {
        return rows.stream().filter(r -> !Double.isNaN(r.valMse())).min(Comparator.comparingDouble(Row::valMse))
                .orElseThrow(() -> new IllegalArgumentException("no architecture was compared with a finite validation error"));
    }
}
