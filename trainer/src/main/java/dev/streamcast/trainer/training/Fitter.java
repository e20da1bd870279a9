package dev.streamcast.trainer.training;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import dev.streamcast.trainer.arch.TrainOptions;
import dev.streamcast.trainer.arch.TrainingProgress;
import dev.streamcast.trainer.data.Dataset;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The one training loop: Adam on the mean squared error of the forecast after each training
 * window (or, with a quantile head, on the mean pinball loss over the quantile levels), an epoch
 * over shuffled windows, early stopping on the same loss over the validation windows with the
 * best parameters restored. A batch whose loss or gradients are not finite (NaN or infinite) is
 * skipped, no update made, and reported through {@link TrainingProgress#skipped}; on a refitting view of the data
 * ({@link Dataset#refitting}) there is no early stopping: the given epochs run and the last is kept. An epoch in which
 * every batch was skipped, or whose validation loss is not finite, ends training with the best
 * parameters so far. Owns the DJL model; close it to free native memory.
 *
 * <p>With Q quantile levels the block's head has {@code H * Q} slots per target, step-major
 * (slot {@code h * Q + q}); its output is [N, H*Q, T] and the pinball loss of level q is
 * {@code max(q (y - f), (q - 1) (y - f))}.
 */
public final class Fitter implements AutoCloseable {

    private final Model model;
    private final Trainer trainer;
    private final ForecastBlock block;
    private final Dataset data;
    private final double[] quantiles;
    private final int slots;

    private Fitter(String name, ForecastBlock block, Dataset data, TrainOptions options, float learningRate) {
        Engine.getInstance().setRandomSeed((int) options.seed());
        this.block = block;
        this.data = data;
        this.quantiles = options.quantiles();
        this.slots = options.headSlots(data.horizon());
        this.model = Model.newInstance(name, Device.cpu(), "PyTorch");
        model.setBlock(block);
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.l2Loss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(learningRate)).build())
                .optDevices(new Device[]{Device.cpu()});
        this.trainer = model.newTrainer(config);
        trainer.initialize(new Shape(options.batchSize(), data.lookback(), data.features()));
    }

    /**
     * Builds, trains with early stopping and returns the fitter holding the best parameters.
     * {@code preferredLearningRate} applies when the options leave the rate to the architecture (0).
     */
    public static Fitter fit(String name, ForecastBlock block, Dataset data, TrainOptions options, TrainingProgress progress,
                             float preferredLearningRate) {
        float rate = options.learningRate() > 0 ? options.learningRate() : preferredLearningRate;
        Fitter fitter = new Fitter(name, block, data, options, rate);
        try {
            fitter.train(name, options, progress);
            return fitter;
        } catch (RuntimeException e) {
            fitter.close();
            throw e;
        }
    }

    private void train(String name, TrainOptions options, TrainingProgress progress) {
        int[] train = subset(data.windowStarts(Dataset.Split.TRAIN), options.maxTrainWindows());
        int[] validation = data.windowStarts(Dataset.Split.VALIDATION);
        Random random = new Random(options.seed());
        double best = Double.POSITIVE_INFINITY;
        Map<String, float[]> bestParameters = snapshot();
        int sinceBest = 0;
        // a refit has seen the validation windows: it runs the epochs it was given and keeps the last
        int patience = data.refits() ? Integer.MAX_VALUE : options.patience();
        for (int epoch = 1; epoch <= options.maxEpochs() && sinceBest < patience; epoch++) {
            long start = System.nanoTime();
            shuffle(train, random);
            double lossSum = 0;
            int batches = 0;
            int skipped = 0;
            String firstSkip = null;
            block.lastOnly(true);
            for (int from = 0; from < train.length; from += options.batchSize()) {
                int to = Math.min(train.length, from + options.batchSize());
                try (NDManager batch = trainer.getManager().newSubManager()) {
                    NDArray x = batch.create(data.inputs(train, from, to), new Shape(to - from, data.lookback(), data.features()));
                    NDArray y = batch.create(data.targets(train, from, to), new Shape(to - from, data.horizon(), data.targets().size()));
                    Step step = step(x, y);
                    if (step.notFinite() == null) {
                        lossSum += step.loss();
                        batches++;
                    } else {
                        skipped++;
                        firstSkip = firstSkip == null ? step.notFinite() : firstSkip;
                    }
                }
            }
            if (skipped > 0) {
                progress.skipped(name, epoch, skipped, skipped + batches, firstSkip);
            }
            double validationLoss = batches == 0 ? Double.NaN : validationLoss(validation);
            progress.epoch(name, epoch, options.maxEpochs(), batches == 0 ? Double.NaN : lossSum / batches, validationLoss,
                    (System.nanoTime() - start) / 1e9);
            if (!Double.isFinite(validationLoss)) {
                break;   // nothing left to learn from: keep the best epoch so far (the initial parameters if none)
            }
            if (validationLoss < best || data.refits()) {
                best = validationLoss;
                bestParameters = snapshot();
                sinceBest = 0;
            } else {
                sinceBest++;
            }
        }
        restore(bestParameters);
    }

    /** A batch's training step: its loss, or why it made no update (a loss or gradient not finite). */
    private record Step(float loss, String notFinite) {
    }

    private Step step(NDArray x, NDArray y) {
        float value;
        String notFinite;
        try (GradientCollector collector = trainer.newGradientCollector()) {
            NDArray loss = loss(trainer.forward(new NDList(x)).singletonOrThrow(), y);
            value = loss.getFloat();
            if (Float.isFinite(value)) {
                collector.backward(loss);
                notFinite = nonFiniteGradient();
            } else {
                notFinite = "loss " + value;
            }
        }
        if (notFinite == null) {
            trainer.step();
        } else {
            zeroGradients();
        }
        return new Step(value, notFinite);
    }

    /** The first parameter whose gradient holds a NaN or an infinity, as "gradient of <name>", or null; one copy out per batch. */
    private String nonFiniteGradient() {
        try (NDManager scope = trainer.getManager().newSubManager()) {
            List<String> names = new ArrayList<>();
            NDList sums = new NDList();
            for (Pair<String, Parameter> p : block.getParameters()) {
                NDArray array = p.getValue().getArray();
                if (array.hasGradient()) {
                    NDArray gradient = array.getGradient();
                    gradient.attach(scope);
                    names.add(p.getKey());
                    sums.add(gradient.sum());
                }
            }
            float[] each = sums.isEmpty() ? new float[0] : NDArrays.stack(sums).toFloatArray();
            for (int i = 0; i < each.length; i++) {
                if (!Float.isFinite(each[i])) {
                    return "gradient of " + names.get(i);
                }
            }
            return null;
        }
    }

    /** Clears the gradients of a skipped batch (the optimizer clears them after a step; NaN - NaN would not). */
    private void zeroGradients() {
        for (Pair<String, Parameter> p : block.getParameters()) {
            NDArray array = p.getValue().getArray();
            if (array.hasGradient()) {
                try (NDArray gradient = array.getGradient()) {
                    gradient.set(new NDIndex("..."), 0f);
                }
            }
        }
    }

    /** forecast [N, H*Q, T] against y [N, H, T]: the MSE, or the mean pinball loss over the levels. */
    private NDArray loss(NDArray forecast, NDArray y) {
        if (quantiles.length == 0) {
            return forecast.sub(y).square().mean();
        }
        Shape shape = y.getShape();
        NDArray f = forecast.reshape(shape.get(0), shape.get(1), quantiles.length, shape.get(2));   // [N, H, Q, T]
        NDArray error = y.expandDims(2).sub(f);                                                      // [N, H, Q, T]
        NDArray q = forecast.getManager().create(toFloats(quantiles)).reshape(1, 1, quantiles.length, 1);
        return NDArrays.maximum(error.mul(q), error.mul(q.sub(1))).mean();
    }

    private static float[] toFloats(double[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            f[i] = (float) values[i];
        }
        return f;
    }

    /** The forecast after the last step of each window [N, L, F]: [N, H*Q, T], in batches, no gradients. */
    public float[] forecast(float[] x, int windows) {
        block.lastOnly(true);
        return evaluate(x, windows, data.lookback(), slots * data.targets().size());
    }

    /** The forecast after every step of x [B, S, F]: [B, S, H*Q, T]. */
    public float[] forwardSequence(float[] x, int batch, int steps) {
        block.lastOnly(false);
        try {
            return evaluate(x, batch, steps, steps * slots * data.targets().size());
        } finally {
            block.lastOnly(true);
        }
    }

    private float[] evaluate(float[] x, int n, int steps, int outPerRow) {
        int f = data.features();
        float[] out = new float[n * outPerRow];
        int chunk = Math.max(1, 256 * 96 / steps);
        for (int from = 0; from < n; from += chunk) {
            int to = Math.min(n, from + chunk);
            try (NDManager batch = trainer.getManager().newSubManager()) {
                float[] part = java.util.Arrays.copyOfRange(x, from * steps * f, to * steps * f);
                NDArray input = batch.create(part, new Shape(to - from, steps, f));
                float[] result = trainer.evaluate(new NDList(input)).singletonOrThrow().toFloatArray();
                System.arraycopy(result, 0, out, from * outPerRow, result.length);
            }
        }
        return out;
    }

    /** The training loss over these windows, without gradients: MSE, or the mean pinball loss. */
    public double validationLoss(int[] windows) {
        float[] forecast = forecast(data.inputs(windows, 0, windows.length), windows.length);
        float[] actual = data.targets(windows, 0, windows.length);
        int q = Math.max(1, quantiles.length);
        int t = data.targets().size();
        double sum = 0;
        for (int i = 0; i < forecast.length; i++) {
            int k = i % t;
            int slot = (i / t) % slots;
            int hIndex = (i / t) / slots * data.horizon() * t + (slot / q) * t + k;              // [N, H, T] index
            double e = actual[hIndex] - forecast[i];
            if (quantiles.length == 0) {
                sum += e * e;
            } else {
                double level = quantiles[slot % q];
                sum += Math.max(level * e, (level - 1) * e);
            }
        }
        return sum / forecast.length;
    }

    /** Parameter values by name, row-major, as trained. */
    public Map<String, float[]> parameters() {
        return snapshot();
    }

    public long parameterCount() {
        long count = 0;
        for (Pair<String, Parameter> p : block.getParameters()) {
            count += p.getValue().getArray().size();
        }
        return count;
    }

    private Map<String, float[]> snapshot() {
        Map<String, float[]> values = new HashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            values.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return values;
    }

    private void restore(Map<String, float[]> values) {
        for (Pair<String, Parameter> p : block.getParameters()) {
            p.getValue().getArray().set(values.get(p.getKey()));
        }
    }

    private static int[] subset(int[] starts, int max) {
        if (max <= 0 || starts.length <= max) {
            return starts.clone();
        }
        int[] picked = new int[max];
        for (int i = 0; i < max; i++) {
            picked[i] = starts[(int) ((long) i * starts.length / max)];
        }
        return picked;
    }

    private static void shuffle(int[] values, Random random) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = values[i];
            values[i] = values[j];
            values[j] = t;
        }
    }

    @Override
    public void close() {
        trainer.close();
        model.close();
    }
}
