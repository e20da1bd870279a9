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

    /**
     * W [1, gates * hidden, inputs], R [1, gates * hidden, hidden] and B [1, 2 * gates * hidden] of layer {@code layer}
     * of a trained DJL recurrent block, in ONNX gate order, as constants named {@code <prefix>W<layer>} and so on.
     */
    public String[] layerConstants(Graph g, ai.djl.nn.Block recurrent, int layer, int hidden, int inputs, String prefix) {
        String p = "l_" + layer + "_";
        float[] w = toOnnx(Dense.parameter(recurrent, p + "i2h_WEIGHT"), hidden, inputs);
        float[] r = toOnnx(Dense.parameter(recurrent, p + "h2h_WEIGHT"), hidden, hidden);
        float[] wb = toOnnx(Dense.parameter(recurrent, p + "i2h_BIAS"), hidden, 1);
        float[] rb = toOnnx(Dense.parameter(recurrent, p + "h2h_BIAS"), hidden, 1);
        float[] b = new float[2 * gates() * hidden];
        System.arraycopy(wb, 0, b, 0, wb.length);
        System.arraycopy(rb, 0, b, wb.length, rb.length);
        return new String[]{
                g.constant(prefix + "W" + layer, w, 1, (long) gates() * hidden, inputs),
                g.constant(prefix + "R" + layer, r, 1, (long) gates() * hidden, hidden),
                g.constant(prefix + "B" + layer, b, 1, 2L * gates() * hidden)};
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
