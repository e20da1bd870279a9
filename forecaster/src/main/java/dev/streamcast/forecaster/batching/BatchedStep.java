package dev.streamcast.forecaster.batching;

import ai.onnxruntime.OrtException;
import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.forecaster.model.ServedModel;
import dev.streamcast.forecaster.state.EntityState;

import java.nio.FloatBuffer;
import java.util.List;

/**
 * One call of a model's {@code step.onnx} for a batch of entities: raw inputs projected to the
 * model's features and z-scored into {@code x} [B, F], each state tensor's entities side by side
 * in its input ({@link StateLayout}), then each entity's state updates taken back into its state.
 * The direct buffers are reused across calls until the model changes.
 */
public final class BatchedStep {

    /**
     * One entity's part of a step.
     *
     * @param state      its state, whose tensors the step reads and updates in place
     * @param raw        its input in stream units, in the order of the input's spec
     * @param projection for each model feature, its index in {@code raw}
     */
    public record Input(EntityState state, float[] raw, int[] projection) {
    }

    private final String slot;
    private final int capacity;
    private ServedModel model;
    private ServedModel.StepBuffers buffers;
    private StateLayout layout;

    /** Steps of at most {@code capacity} entities for the slot named {@code slot} (for errors). */
    public BatchedStep(String slot, int capacity) {
        this.slot = slot;
        this.capacity = capacity;
    }

    /** Steps every input's entity once; returns each one's normalised forecast [H, T(, Q)], in input order. */
    public float[][] run(ServedModel model, List<Input> inputs) {
        if (inputs.size() > capacity) {
            throw new IllegalArgumentException(inputs.size() + " entities in a step of at most " + capacity);
        }
        use(model);
        packFeatures(model.manifest(), model.features(), inputs);
        for (StateLayout.Slice slice : layout.slices()) {
            FloatBuffer in = buffers.input(slice.input());
            for (Input input : inputs) {
                slice.pack(input.state().tensors(), in);
            }
        }
        try {
            model.step(buffers, inputs.size());
        } catch (OrtException e) {
            throw new IllegalStateException(slot + ": ONNX Runtime failed a step of " + model.ref() + " for "
                    + inputs.size() + " entities: " + e.getMessage(), e);
        }
        for (StateLayout.Slice slice : layout.slices()) {
            FloatBuffer out = buffers.output(slice.output());
            for (Input input : inputs) {
                slice.advance(out, input.state().tensors());
            }
        }
        FloatBuffer yhat = buffers.output(BundleManifest.OUTPUT);
        float[][] forecasts = new float[inputs.size()][model.outputFloats()];
        for (float[] forecast : forecasts) {
            yhat.get(forecast);
        }
        return forecasts;
    }

    private void use(ServedModel next) {
        if (model != next) {
            model = next;
            buffers = next.newBuffers(capacity);
            layout = StateLayout.of(next.state());
        }
    }

    private void packFeatures(BundleManifest m, int features, List<Input> inputs) {
        FloatBuffer x = buffers.input(BundleManifest.INPUT); // [B, F]
        for (Input input : inputs) {
            float[] raw = input.raw();
            int[] map = input.projection();
            for (int c = 0; c < features; c++) {
                x.put((float) ((raw[map[c]] - m.mean()[c]) / m.std()[c]));
            }
        }
    }
}
