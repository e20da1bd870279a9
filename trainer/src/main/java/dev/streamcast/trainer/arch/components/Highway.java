package dev.streamcast.trainer.arch.components;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.onnx.Dense;
import dev.streamcast.trainer.onnx.Graph;
import dev.streamcast.trainer.onnx.Lags;
import dev.streamcast.trainer.training.ForecastBlock;

import java.util.Arrays;

/**
 * LSTNet's linear highway (Lai et al. 2018) in the change framing of the nets: a linear map over
 * each target channel's last L values relative to its current value (NLinear's input), shared
 * across channels as in DLinear, added to a net's forecast of the change:
 * <pre>
 *   yhat_t[h, k] = net_t[h, k] + x_t[k] + sum_l W[h, l] (x_{t-L+1+l}[k] - x_t[k]) + b[h]
 * </pre>
 * so the net is a residual model on top of a linear one. W starts at zero, so with the net's
 * zero-initialised head an untrained model forecasts persistence; training fits both together.
 * Values before the start of a stream read as 0, as a fresh window ring holds them (DLinear alike).
 * State: a window {@code highway} of the last L - 1 target values [T].
 *
 * <p>One instance per net: the net registers the map as its child block {@code highway} and adds
 * {@link #forward} (DJL) or {@link #step} / {@link #sequence} (ONNX) to its forecast.
 */
public final class Highway {

    public static final String WINDOW = "highway";

    public final Linear map;
    public final int lookback;
    private final int[] targetIndex;
    private final int slots;

    /** {@code slots}: H (times Q with a quantile head) outputs per target channel. */
    public Highway(ForecastBlock net, int lookback, int slots, int[] targetIndex) {
        if (lookback < 2) {
            throw new IllegalArgumentException("the highway needs a look-back of at least 2, got " + lookback);
        }
        this.lookback = lookback;
        this.slots = slots;
        this.targetIndex = targetIndex.clone();
        this.map = net.add(WINDOW, Linear.builder().setUnits(slots).build());
        map.setInitializer(Initializer.ZEROS, Parameter.Type.WEIGHT);
    }

    public void initialize(NDManager manager, DataType dataType, long batch) {
        map.initialize(manager, dataType, new Shape(batch, targetIndex.length, lookback));
    }

    public StateTensor state() {
        return StateTensor.window(WINDOW, lookback - 1, targetIndex.length);
    }

    // ---- DJL

    /** x [N, S, F] to the highway's term: [N, slots, T] after the last step, or [N, S, slots, T] after every step. */
    public NDArray forward(ParameterStore store, NDArray x, boolean training, boolean lastOnly) {
        NDArray z = x.get(new NDIndex(":, :, {}", x.getManager().create(Arrays.stream(targetIndex).asLongStream().toArray())))
                .transpose(0, 2, 1);                                                              // [N, T, S]
        long steps = z.getShape().get(2);
        NDArray padded = z.getManager().zeros(new Shape(z.getShape().get(0), z.getShape().get(1), lookback - 1))
                .concat(z, 2);                                                                    // [N, T, L - 1 + S]
        if (lastOnly) {
            NDArray window = padded.get(new NDIndex(":, :, {}:", steps - 1));                     // [N, T, L]
            NDArray change = window.sub(z.get(":, :, -1:"));
            return map.forward(store, new NDList(change), training).head().transpose(0, 2, 1);   // [N, slots, T]
        }
        NDList shifted = new NDList();
        for (int l = 0; l < lookback; l++) {
            shifted.add(padded.get(new NDIndex(":, :, {}:{}", l, l + steps)));                   // x_{s-L+1+l}
        }
        NDArray windows = NDArrays.stack(shifted, 3);                                            // [N, T, S, L]
        NDArray change = windows.sub(z.expandDims(3));
        return map.forward(store, new NDList(change), training).head().transpose(0, 2, 3, 1);    // [N, S, slots, T]
    }

    // ---- ONNX

    /** The step graph's term [B, slots, T] for input {@code x} [B, F]; declares the window and its update. */
    public String step(Graph g, String x) {
        int t = targetIndex.length;
        String ring = g.input(WINDOW, Graph.BATCH, lookback - 1, t);
        String current = Lags.targets(g, x, targetIndex, 1);                                      // [B, T]
        g.output(current, WINDOW + ".new", Graph.BATCH, t);
        String change = g.node("Sub", new String[]{Lags.withCurrent(g, ring, current),
                g.node("Unsqueeze", new String[]{current, g.ints("axes", 1)})});                 // [B, L, T]
        String perChannel = g.node("Transpose", new String[]{change}, Graph.Attr.ints("perm", 0, 2, 1)); // [B, T, L]
        return g.node("Transpose", new String[]{Dense.apply(g, perChannel, map, "highway")},
                Graph.Attr.ints("perm", 0, 2, 1));                                                // [B, slots, T]
    }

    /** The sequence graph's term [B, S, slots, T] for input {@code x} [B, S, F], zeros before the start. */
    public String sequence(Graph g, String x) {
        long[] offsets = new long[lookback];
        for (int l = 0; l < lookback; l++) {
            offsets[l] = l;
        }
        String current = Lags.targets(g, x, targetIndex, 2);                                      // [B, S, T]
        String windows = Lags.lagged(g, current, lookback - 1, offsets);                           // [B, S, L, T]
        String change = g.node("Sub", new String[]{windows, g.node("Unsqueeze", new String[]{current, g.ints("axes", 2)})});
        String perChannel = g.node("Transpose", new String[]{change}, Graph.Attr.ints("perm", 0, 1, 3, 2)); // [B, S, T, L]
        return g.node("Transpose", new String[]{Dense.apply(g, perChannel, map, "highway")},
                Graph.Attr.ints("perm", 0, 1, 3, 2));                                             // [B, S, slots, T]
    }
}
