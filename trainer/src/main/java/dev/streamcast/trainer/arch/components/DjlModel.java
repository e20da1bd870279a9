package dev.streamcast.trainer.arch.components;

import dev.streamcast.trainer.arch.TrainedModel;
import dev.streamcast.trainer.training.Fitter;

/** A model trained in DJL: its forward passes, parameter count and native memory belong to its {@link Fitter}. */
public interface DjlModel extends TrainedModel {

    Fitter fitter();

    @Override
    default long parameterCount() {
        return fitter().parameterCount();
    }

    @Override
    default float[] forecast(float[] x, int batch, int steps, int features) {
        return fitter().forecast(x, batch);
    }

    @Override
    default float[] forwardSequence(float[] x, int batch, int steps, int features) {
        return fitter().forwardSequence(x, batch, steps);
    }

    @Override
    default void close() {
        fitter().close();
    }
}
