package dev.streamcast.trainer.arch.components;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Parameters in arithmetic inside a forward pass. DJL hands an operation's result to the manager
 * of its first operand, and a parameter's array lives in the model's manager: arithmetic that
 * starts from a parameter (exp(A_log), slicing a weight, concatenating a bias) would leave its
 * results there, alive until the model closes, a leak on every batch. Starting from a value in
 * the batch's manager keeps them in the batch's scope; gradients flow as before.
 */
public final class BatchScope {

    private BatchScope() {
    }

    /** {@code parameter} as a value of {@code batchValue}'s manager, freed with the batch. */
    public static NDArray of(NDArray batchValue, NDArray parameter) {
        return batchValue.getManager().zeros(new Shape()).add(parameter);
    }
}
