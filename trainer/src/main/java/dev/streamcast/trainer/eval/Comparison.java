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
               double stepMicrosB256, double trainSeconds, double pinball, double coverage) {

        public boolean hasQuantiles() {
            return !Double.isNaN(pinball);
        }

        /** The backtest and measurements as the manifest's (and the registry's) metrics. */
        public Map<String, Double> metrics() {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("mse", mse);
            m.put("mae", mae);
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
            String line = String.format("arch=%s mse=%.4f mae=%.4f params=%d state_bytes=%d step_us_b1=%.1f step_us_b256=%.1f train_s=%.1f",
                    arch, mse, mae, params, stateBytes, stepMicrosB1, stepMicrosB256, trainSeconds);
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

    /** Fits, backtests and times {@code arch}; hands the trained model to {@code keep} before closing it. */
    public static Row run(Architecture arch, Dataset data, TrainOptions options, TrainingProgress progress,
                   BiConsumer<TrainedModel, Row> keep) throws OrtException {
        long start = System.nanoTime();
        try (TrainedModel model = QuantileHead.fit(arch, data, options, progress)) {
            double trainSeconds = (System.nanoTime() - start) / 1e9;
            Backtest.Scores scores = Backtest.test(model, data);
            double b1 = OrtRunner.stepMicros(model.stepGraph(), model.state(), 1, data.features(), 2000);
            double b256 = OrtRunner.stepMicros(model.stepGraph(), model.state(), 256, data.features(), 200);
            long stateBytes = model.state().stream().mapToLong(s -> s.bytesPerEntity()).sum();
            Row row = new Row(arch.name(), arch.trivial(), scores.mse(), scores.mae(), model.parameterCount(), stateBytes,
                    b1, b256, trainSeconds, scores.pinball(), scores.coverage());
            keep.accept(model, row);
            return row;
        }
    }

    /** The learned architecture with the lowest test MSE; empty when only baselines ran. */
    public static Optional<Row> bestLearned(List<Row> rows) {
        return rows.stream().filter(r -> !r.trivial()).min(Comparator.comparingDouble(Row::mse));
    }

    /**
     * The champion, the version an alias should point to: the best learned architecture, or the
     * baseline with the lowest test MSE when only baselines ran.
     */
    public static Row champion(List<Row> rows) {
        return bestLearned(rows).orElseGet(() -> rows.stream().min(Comparator.comparingDouble(Row::mse))
                .orElseThrow(() -> new IllegalArgumentException("no architecture was compared")));
    }
}
