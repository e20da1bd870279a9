package dev.streamcast.trainer.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.onnx.proto.OnnxMl;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.arch.components.Attention;
import dev.streamcast.trainer.arch.components.ChangeForecast;
import dev.streamcast.trainer.arch.components.LayerStack;
import dev.streamcast.trainer.arch.components.WindowAttention;
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

    static final int HEADS = Attention.HEADS;
    static final int BUCKETS = 4;
    static final float LEARNING_RATE = 1e-3f;

    @Override
    public String name() {
        return "lsh-attention";
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        if (options.hidden() % HEADS != 0) {
            throw new IllegalArgumentException("lsh-attention needs --hidden divisible by its " + HEADS + " heads, got "
                    + options.hidden());
        }
        int w = SlidingWindowTransformer.defaultWindow(data.lookback(), options.layers());
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

    private static final class Layers implements LayerStack.Layers {
        private final ChangeForecast framing;
        private final WindowAttention attention;
        private final List<Attention> layers = new ArrayList<>();
        private final List<float[]> rotations = new ArrayList<>();
        private final long seed;
        private final int d;

        Layers(LayerStack stack, int window, long seed) {
            framing = stack.framing();
            this.seed = seed;
            this.d = stack.channels() / HEADS;
            attention = new WindowAttention(framing, stack.channels(), window);
            for (int l = 0; l < stack.depth(); l++) {
                layers.add(new Attention(stack, l, "b_rel", attention.biasShape(), attention.alibi()));
                rotations.add(rotation(d, seed, l));
            }
        }

        @Override
        public void initialize(NDManager manager, DataType dataType) {
            layers.forEach(layer -> layer.initialize(manager, dataType));
        }

        /** Bucket ids of x [R, heads, S, d] as floats [R, heads, S]. */
        private NDArray buckets(NDArray x, int layer) {
            NDArray projected = x.matMul(x.getManager().create(rotations.get(layer), new Shape(d, BUCKETS / 2)));
            return projected.concat(projected.neg(), -1).argMax(-1).toType(DataType.FLOAT32, false);
        }

        /** 0 where key s shares query t's bucket or s = t, else -1e9: [R, heads, S, S]. */
        private NDArray bucketMask(NDArray q, NDArray k, int layer) {
            long steps = q.getShape().get(2);
            NDArray same = buckets(q, layer).expandDims(3).eq(buckets(k, layer).expandDims(2)).toType(DataType.FLOAT32, false);
            NDArray allowed = same.maximum(q.getManager().eye((int) steps));
            return allowed.sub(1f).mul(-WindowAttention.MASKED);
        }

        @Override
        public NDArray forward(ParameterStore store, NDArray u, boolean training) {
            for (int l = 0; l < layers.size(); l++) {
                int layer = l;
                u = layers.get(l).forward(store, u, training,
                        (q, k, v, bRel) -> attention.attend(q, k, v, bRel, bucketMask(q, k, layer)));
            }
            return u;
        }

        @Override
        public List<StateTensor> state() {
            return attention.state(layers.size());
        }

        @Override
        public void describe(Map<String, Object> p) {
            p.put("layers", (long) layers.size());
            p.put("heads", (long) HEADS);
            p.put("window", (long) attention.window());
            p.put("buckets", (long) BUCKETS);
            p.put("hashSeed", seed);
            p.put("hashDraw", "per layer l: java.util.Random(hashSeed * 31 + l), R [d, buckets / 2] Gaussian, "
                    + "row-major; in the graphs as layer<l>_rotation");
        }

        @Override
        public int warmUpSteps(int lookback) {
            return attention.warmUpSteps(lookback, layers.size());
        }

        /** Bucket ids of x [R, heads, n, d] in a graph: int64 [R, heads, n, 1]. */
        private String buckets(Graph g, String x, int layer) {
            String projected = g.node("MatMul", new String[]{x,
                    g.constant(layers.get(layer).name() + "_rotation", rotations.get(layer), d, BUCKETS / 2)});
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
            String mask = attention.stepMask(g);
            int w = attention.window();
            long[] lastSlot = new long[w + 1];
            lastSlot[w] = 1;
            String self = g.node("Cast", new String[]{g.ints("self_slot", lastSlot)},
                    Graph.Attr.i("to", OnnxMl.TensorProto.DataType.BOOL.getNumber()));                 // [W + 1]: the current step
            for (int l = 0; l < layers.size(); l++) {
                Attention layer = layers.get(l);
                String a = layer.norm(g, u);
                String q = layer.query(g, a);
                WindowAttention.StepKeys keys = attention.stepKeys(g, layer, l, layer.key(g, a), layer.value(g, a));
                String extra = mask(g, buckets(g, layer.heads(g, q, 1), l), buckets(g, keys.keys(), l), self);  // [R, heads, 1, W + 1]
                u = layer.residual(g, u, layer.mergeStep(g, attention.step(g, layer, mask, q, keys, extra)));
            }
            return u;
        }

        @Override
        public String sequence(Graph g, String u) {
            String index = attention.sequenceIndex(g);
            String self = g.node("Equal", new String[]{index, g.scalar("zero_offset", 0)});          // [S, S]: t = s
            for (int l = 0; l < layers.size(); l++) {
                Attention layer = layers.get(l);
                String a = layer.norm(g, u);
                String qh = layer.heads(g, layer.query(g, a), -1);                                     // [R, heads, S, d]
                String kh = layer.heads(g, layer.key(g, a), -1);
                String vh = layer.heads(g, layer.value(g, a), -1);
                String extra = mask(g, buckets(g, qh, l), buckets(g, kh, l), self);                     // [R, heads, S, S]
                u = layer.residual(g, u, layer.mergeSequence(g, attention.sequence(g, layer, index, qh, kh, vh, extra)));
            }
            return u;
        }
    }
}
