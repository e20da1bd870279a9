package dev.streamcast.trainer.arch;

import dev.streamcast.trainer.data.Dataset;

/**
 * One forecasting architecture, the plug-in shape every one of them has (Darts' and
 * NeuralForecast's {@code fit}/{@code predict}, here plus ONNX export): it defines its model
 * once, fits it on a {@link Dataset}, and the {@link TrainedModel} forecasts and exports its
 * step and sequence graphs with its state spec. Adding an architecture is one class like this,
 * registered in {@link Architectures}, plus its row in the parity table ({@code ArchitectureParityTest}).
 */
public interface Architecture {

    String name();

    /** Whether this is a baseline with nothing to learn (last value, seasonal naive). */
    default boolean trivial() {
        return false;
    }

    /**
     * Adam's rate when {@link TrainOptions#learningRate()} is 0: the one measured best on ETTh1 (1e-3 unless the
     * architecture says otherwise); the first a learning-rate choice tries ({@code eval.Comparison}).
     */
    default float learningRate() {
        return 1e-3f;
    }

    TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress);
}
