package dev.streamcast.forecaster.serving;

import dev.streamcast.forecaster.model.ModelSlot;
import dev.streamcast.forecaster.model.ServedModel;

/**
 * Watches a newly served model's first batches in one task: once {@code limit} batches in a row
 * failed every input (an ONNX Runtime error or NaN/infinity) before any batch worked, the model is
 * broken rather than the data, and the slot takes it out ({@link ModelSlot#reject}). After a model's
 * first good batch, a failure is one input's: to the DLQ, the model stays.
 */
final class FirstBatches {

    private final ModelSlot slot;
    private final int limit;
    private ServedModel model;
    private boolean proven;
    private int failedInARow;

    FirstBatches(ModelSlot slot, int limit) {
        this.slot = slot;
        this.limit = limit;
    }

    /**
     * Counts a batch of {@code total} inputs of which {@code good} were stepped; {@code error} is the
     * last ONNX Runtime failure's message, null when the failures were NaN or infinity.
     */
    void batch(ServedModel served, int good, int total, String error) {
        if (served != model) {
            model = served;
            proven = false;
            failedInARow = 0;
        }
        if (proven || total == 0) {
            return;
        }
        if (good > 0) {
            proven = true;
            return;
        }
        failedInARow++;
        if (limit > 0 && failedInARow >= limit) {
            failedInARow = 0;
            slot.reject(served, limit + " batches in a row failed every input" + (error == null ? " (NaN or infinity)" : ": " + error));
        }
    }
}
