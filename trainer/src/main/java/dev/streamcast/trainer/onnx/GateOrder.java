package dev.streamcast.trainer.onnx;

/**
 * The one place where recurrent weights change layout between PyTorch (and so DJL) and ONNX.
 * PyTorch stacks LSTM gates i, f, g, o and ONNX i, o, f, c; PyTorch stacks GRU gates r, z, n
 * and ONNX z, r, h (with {@code linear_before_reset=1}, which is PyTorch's GRU). An Elman RNN
 * has one gate and needs nothing.
 */
public enum GateOrder {
    LSTM(new int[]{0, 3, 1, 2}),   // ONNX gate k comes from PyTorch gate ORDER[k]
    GRU(new int[]{1, 0, 2}),
    RNN(new int[]{0});

    private final int[] fromPyTorch;

    GateOrder(int[] fromPyTorch) {
        this.fromPyTorch = fromPyTorch;
    }

    public int gates() {
        return fromPyTorch.length;
    }

    /**
     * Reorders the gate blocks of a PyTorch weight [gates * hidden, columns] (row-major, or a
     * bias with columns 1) into ONNX order.
     */
    public float[] toOnnx(float[] pytorch, int hidden, int columns) {
        int block = hidden * columns;
        if (pytorch.length != gates() * block) {
            throw new IllegalArgumentException("expected " + gates() + " x " + hidden + " x " + columns
                    + " values, got " + pytorch.length);
        }
        float[] onnx = new float[pytorch.length];
        for (int k = 0; k < gates(); k++) {
            System.arraycopy(pytorch, fromPyTorch[k] * block, onnx, k * block, block);
        }
        return onnx;
    }
}
