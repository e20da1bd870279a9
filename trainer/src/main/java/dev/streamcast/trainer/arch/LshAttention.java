package dev.streamcast.trainer.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.onnx.proto.OnnxMl;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.arch.components.Attention;
import dev.streamcast.trainer.arch.components.LayerStack;
import dev.streamcast.trainer.arch.components.WindowAttention;
import dev.streamcast.trainer.arch.components.WindowStack;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.onnx.Graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Reformer-style LSH attention (Kitaev et al. 2020) over the {@code transformer}'s sliding window:
 * queries and keys are hashed into n_b buckets by angular LSH, bucket(x) = argmax([x R; -x R]) with
 * a fixed random rotation R [d, n_b / 2] per layer (shared by the heads, drawn from {@code --seed},
 * exported as a constant), and each query attends only to the keys of its own bucket within the
 * window, and to itself (so no query is left without a key):
 * <pre>
 *   o_t = softmax_s(q_t k_s / sqrt d + b_rel[t - s] + (0 if bucket(q_t) = bucket(k_s) or s = t, else -1e9)) v_s
 * </pre>
 * Streamable as the transformer is: a step hashes its query and the W cached keys. Reformer's
 * saving comes from sorting by bucket and attending in chunks, O(S log S) instead of O(S²) over
 * long sequences; over a window of W = 48 keys a step still scores all of them (one query against W
 * keys is already O(W)), so here it restricts attention without saving work. The hash is an argmax
 * of projections: keys whose top two projections are within rounding of each other could land in
 * another bucket in the other graph, a jump the 1e-4 parity bound would catch.
 * State as the transformer's: per layer {@code kv<l>}, the window {@code filled} and {@code previous}.
 */
public final class LshAttention implements Architecture {

    static final int BUCKETS = 4;
    static final float LEARNING_RATE = 1e-3f;

    @Override
    public String name() {
        return "lsh-attention";
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        int w = WindowStack.window(name(), 0, data.lookback(), options);
        return LayerStack.fit(name(), data, options, progress, LEARNING_RATE, true, stack -> new Layers(stack, w, options.seed()));
    }

    /** R [d, n_b / 2] of layer {@code layer}, row-major, Gaussian from {@code new Random(seed * 31 + layer)}. */
    static float[] rotation(int d, long seed, int layer) {
        Random random = new Random(seed * 31 + layer);
        float[] r = new float[d * (BUCKETS / 2)];
        for (int i = 0; i < r.length; i++) {
            r[i] = (float) random.nextGaussian();
        }
        return r;
    }

    /** The transformer's layers with the bucket mask added to each attention's scores. */
    private static final class Layers implements LayerStack.Layers, WindowStack.Extension {
        private final WindowStack layers;
        private final List<float[]> rotations = new ArrayList<>();
        private final long seed;
        private final int d;

        Layers(LayerStack stack, int window, long seed) {
            this.seed = seed;
            this.d = stack.channels() / Attention.HEADS;
            layers = new WindowStack(stack, window);
            for (int l = 0; l < stack.depth(); l++) {
                rotations.add(rotation(d, seed, l));
            }
        }

        @Override
        public void initialize(NDManager manager, DataType dataType) {
            layers.initialize(manager, dataType);
        }

        /** Bucket ids of x [R, heads, S, d] as floats [R, heads, S]. */
        private NDArray buckets(NDArray x, int layer) {
            NDArray projected = x.matMul(x.getManager().create(rotations.get(layer), new Shape(d, BUCKETS / 2)));
            return projected.concat(projected.neg(), -1).argMax(-1).toType(DataType.FLOAT32, false);
        }

        /** 0 where key s shares query t's bucket or s = t, else -1e9: [R, heads, S, S]. */
        @Override
        public NDArray mask(int layer, NDArray q, NDArray k) {
            long steps = q.getShape().get(2);
            NDArray same = buckets(q, layer).expandDims(3).eq(buckets(k, layer).expandDims(2)).toType(DataType.FLOAT32, false);
            NDArray allowed = same.maximum(q.getManager().eye((int) steps));
            return allowed.sub(1f).mul(-WindowAttention.MASKED);
        }

        @Override
        public NDArray forward(ParameterStore store, NDArray u, boolean training) {
            return layers.forward(store, u, training, this);
        }

        @Override
        public List<StateTensor> state() {
            return layers.state();
        }

        @Override
        public void describe(Map<String, Object> p) {
            layers.describe(p);
            p.put("buckets", (long) BUCKETS);
            p.put("hashSeed", seed);
            p.put("hashDraw", "per layer l: java.util.Random(hashSeed * 31 + l), R [d, buckets / 2] Gaussian, "
                    + "row-major; in the graphs as layer<l>_rotation");
        }

        @Override
        public int warmUpSteps(int lookback) {
            return layers.warmUpSteps(lookback);
        }

        /** Bucket ids of x [R, heads, n, d] in a graph: int64 [R, heads, n, 1]. */
        private String buckets(Graph g, String x, int layer) {
            String projected = g.node("MatMul", new String[]{x,
                    g.constant("layer" + layer + "_rotation", rotations.get(layer), d, BUCKETS / 2)});
            String both = g.node("Concat", new String[]{projected, g.node("Neg", new String[]{projected})}, Graph.Attr.i("axis", -1));
            return g.node("ArgMax", new String[]{both}, Graph.Attr.i("axis", -1), Graph.Attr.i("keepdims", 1));
        }

        /** Equal buckets or self as 0, else -1e9; {@code self} a bool mask broadcasting to the result. */
        private String mask(Graph g, String queryBuckets, String keyBuckets, String self) {
            String same = g.node("Equal", new String[]{queryBuckets,
                    g.node("Transpose", new String[]{keyBuckets}, Graph.Attr.ints("perm", 0, 1, 3, 2))});
            String allowed = g.node("Cast", new String[]{g.node("Or", new String[]{same, self})},
                    Graph.Attr.i("to", OnnxMl.TensorProto.DataType.FLOAT.getNumber()));
            return g.node("Mul", new String[]{g.node("Sub", new String[]{allowed, g.constant("one", new float[]{1f})}),
                    g.constant("masked", new float[]{-WindowAttention.MASKED})});
        }

        @Override
        public String step(Graph g, String u) {
            return layers.step(g, u, this);
        }

        /** [R, heads, 1, W + 1]; the current step is the last slot. */
        @Override
        public String stepMask(Graph g, int l, String q, WindowAttention.StepKeys keys) {
            int w = layers.window();
            long[] lastSlot = new long[w + 1];
            lastSlot[w] = 1;
            String self = g.node("Cast", new String[]{g.ints("self_slot", lastSlot)},
                    Graph.Attr.i("to", OnnxMl.TensorProto.DataType.BOOL.getNumber()));                 // [W + 1]
            return mask(g, buckets(g, layers.layer(l).heads(g, q, 1), l), buckets(g, keys.keys(), l), self);
        }

        @Override
        public String sequence(Graph g, String u) {
            return layers.sequence(g, u, this);
        }

        /** [R, heads, S, S]. */
        @Override
        public String sequenceMask(Graph g, int l, String index, String qh, String kh) {
            String self = g.node("Equal", new String[]{index, g.scalar("zero_offset", 0)});          // [S, S]: t = s
            return mask(g, buckets(g, qh, l), buckets(g, kh, l), self);
        }
    }
}
