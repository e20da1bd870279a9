package dev.streamcast.trainer.arch;

import ai.onnx.proto.OnnxMl;
import dev.streamcast.contracts.bundle.StateTensor;

import java.util.List;
import java.util.Map;

/**
 * A fitted model: its forecasts from the training framework itself, and the same model as
 * ONNX graphs. All values are normalised (z-scored with the training statistics).
 */
public interface TrainedModel extends AutoCloseable {

    String architecture();

    Map<String, Object> hyperParameters();

    long parameterCount();

    /** The per-entity state the step graph reads and writes (see {@link StateTensor}). */
    List<StateTensor> state();

    /** Steps after which the state holds everything the forecast depends on. */
    int warmUpSteps();

    int horizon();

    /**
     * The quantile levels of the forecast, ascending with the median as the point forecast; empty
     * without a quantile head. With Q levels every forecast below gains a last dimension [.., Q].
     */
    default double[] quantiles() {
        return new double[0];
    }

    int targets();

    /**
     * The forecast after every step of a sequence starting from zero state, computed by the
     * framework the model was trained in: x [B, S, F] to [B, S, H, T].
     */
    float[] forwardSequence(float[] x, int batch, int steps, int features);

    /** The forecast after the last step of each window: x [B, L, F] to [B, H, T]. */
    default float[] forecast(float[] x, int batch, int steps, int features) {
        float[] all = forwardSequence(x, batch, steps, features);
        int out = horizon() * targets() * Math.max(1, quantiles().length);
        float[] last = new float[batch * out];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(all, (b * steps + steps - 1) * out, last, b * out, out);
        }
        return last;
    }

    /** One step for a batch of entities: x [B, F] plus the state, to yhat [B, H, T] plus the new state. */
    OnnxMl.ModelProto stepGraph();

    /** The whole sequence from zero state: x [B, S, F] to yhat [B, S, H, T]. */
    OnnxMl.ModelProto sequenceGraph();

    @Override
    default void close() {
    }
}
