package dev.streamcast.trainer.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.nn.recurrent.GRU;
import ai.djl.training.ParameterStore;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.arch.components.Attention;
import dev.streamcast.trainer.arch.components.ChangeForecast;
import dev.streamcast.trainer.arch.components.FeedForward;
import dev.streamcast.trainer.arch.components.LayerStack;
import dev.streamcast.trainer.arch.components.Norm;
import dev.streamcast.trainer.arch.components.WindowAttention;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.onnx.Dense;
import dev.streamcast.trainer.onnx.GateOrder;
import dev.streamcast.trainer.onnx.Graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Sliding-window attention with a recurrent memory: the {@code transformer}'s layers summarise the
 * last W steps at every step, and that summary feeds a GRU whose state is carried, so what has left
 * the window is not lost (in the spirit of Block-Recurrent Transformers and RMT, one step at a time):
 * <pre>
 *   u = layer_L(... layer_1(u))                    sliding-window attention, as the transformer's
 *   m_t = GRU(LN_m(u_t), m_{t-1})    [C]           the memory, carried
 *   u_t = u_t + W_m m_t
 * </pre>
 * W = ceil((L - 1) / layers) as the transformer's. State: per layer a window {@code kv<l>} of W keys
 * and values [2C], the window {@code filled}, the carry {@code memory} [C] and the window {@code previous}.
 */
public final class AttentionGruMemory implements Architecture {

    static final int HEADS = Attention.HEADS;
    static final float LEARNING_RATE = 1e-3f;

    @Override
    public String name() {
        return "attention-gru";
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        if (options.hidden() % HEADS != 0) {
            throw new IllegalArgumentException("attention-gru needs --hidden divisible by its " + HEADS + " heads, got "
                    + options.hidden());
        }
        int w = SlidingWindowTransformer.defaultWindow(data.lookback(), options.layers());
        return LayerStack.fit(name(), data, options, progress, LEARNING_RATE, true, stack -> new Layers(stack, w));
    }

    private static final class Layers implements LayerStack.Layers {
        private final ChangeForecast framing;
        private final int channels;
        private final float dropout;
        private final WindowAttention attention;
        private final List<Attention> layers = new ArrayList<>();
        private final Norm memoryNorm;
        private final GRU memory;
        private final Linear memoryOut;

        Layers(LayerStack stack, int window) {
            framing = stack.framing();
            channels = stack.channels();
            dropout = stack.dropout();
            attention = new WindowAttention(framing, channels, window);
            for (int l = 0; l < stack.depth(); l++) {
                layers.add(new Attention(stack, l, "b_rel", attention.biasShape(), attention.alibi()));
            }
            memoryNorm = stack.add("memory_LN", new Norm(channels));
            memory = stack.add("memory_GRU", GRU.builder().setStateSize(channels).setNumLayers(1)
                    .optBatchFirst(true).optReturnState(false).build());
            memoryOut = stack.add("memory_W_m", Linear.builder().setUnits(channels).build());
        }

        @Override
        public void initialize(NDManager manager, DataType dataType) {
            layers.forEach(layer -> layer.initialize(manager, dataType));
            memoryNorm.initialize(manager, dataType, new Shape(1, channels));
            memory.initialize(manager, dataType, new Shape(1, 1, channels));
            memoryOut.initialize(manager, dataType, new Shape(1, channels));
        }

        @Override
        public NDArray forward(ParameterStore store, NDArray u, boolean training) {
            for (Attention layer : layers) {
                u = layer.forward(store, u, training, attention::attend);
            }
            NDArray m = memory.forward(store, new NDList(memoryNorm.apply(store, u, training)), training).head();   // [R, S, C]
            NDArray out = memoryOut.forward(store, new NDList(m), training).head();
            return u.add(FeedForward.dropout(out, dropout, training));
        }

        @Override
        public List<StateTensor> state() {
            List<StateTensor> state = new ArrayList<>(attention.state(layers.size()));
            state.add(framing.carry("memory", channels));
            return state;
        }

        @Override
        public void describe(Map<String, Object> p) {
            p.put("layers", (long) layers.size());
            p.put("heads", (long) HEADS);
            p.put("window", (long) attention.window());
            p.put("memory", "GRU over the last layer's output, " + channels + " units, carried");
        }

        @Override
        public int warmUpSteps(int lookback) {
            return attention.warmUpSteps(lookback, layers.size());
        }

        private String[] weights(Graph g) {
            return GateOrder.GRU.layerConstants(g, memory, 0, channels, channels, "memory_");
        }

        private static Graph.Attr[] gru(int hidden) {
            return new Graph.Attr[]{Graph.Attr.i("hidden_size", hidden), Graph.Attr.i("linear_before_reset", 1)};
        }

        @Override
        public String step(Graph g, String u) {
            String mask = attention.stepMask(g);
            for (int l = 0; l < layers.size(); l++) {
                Attention layer = layers.get(l);
                String a = layer.norm(g, u);
                WindowAttention.StepKeys keys = attention.stepKeys(g, layer, l, layer.key(g, a), layer.value(g, a));
                u = layer.residual(g, u, layer.mergeStep(g, attention.step(g, layer, mask, layer.query(g, a), keys, null)));
            }
            String in = g.node("Unsqueeze", new String[]{memoryNorm.apply(g, u, "memory_LN"), g.ints("axes", 0)});    // [1, R, C]
            String m0 = g.node("Unsqueeze", new String[]{framing.carryIn(g, "memory", channels), g.ints("axes", 0)});  // [1, R, C]
            String[] w = weights(g);
            String[] out = g.nodeMulti("GRU", new String[]{in, w[0], w[1], w[2], "", m0},
                    new String[]{g.name("memory_y"), g.name("memory_h")}, gru(channels));
            String m = g.node("Squeeze", new String[]{out[1], g.ints("axes", 0)});                                  // [R, C]
            framing.carryOut(g, m, "memory", channels);
            return g.node("Add", new String[]{u, Dense.apply(g, m, memoryOut, "memory_W_m")});
        }

        @Override
        public String sequence(Graph g, String u) {
            String index = attention.sequenceIndex(g);
            for (Attention layer : layers) {
                String a = layer.norm(g, u);
                String qh = layer.heads(g, layer.query(g, a), -1);                                     // [R, heads, S, d]
                String kh = layer.heads(g, layer.key(g, a), -1);
                String vh = layer.heads(g, layer.value(g, a), -1);
                u = layer.residual(g, u, layer.mergeSequence(g, attention.sequence(g, layer, index, qh, kh, vh, null)));
            }
            String in = g.node("Transpose", new String[]{memoryNorm.apply(g, u, "memory_LN")}, Graph.Attr.ints("perm", 1, 0, 2)); // [S, R, C]
            String[] w = weights(g);
            String y = g.nodeMulti("GRU", new String[]{in, w[0], w[1], w[2]}, new String[]{g.name("memory_y")}, gru(channels))[0];
            String m = g.node("Transpose", new String[]{g.node("Squeeze", new String[]{y, g.ints("axes", 1)})},
                    Graph.Attr.ints("perm", 1, 0, 2));                                                  // [R, S, C]
            return g.node("Add", new String[]{u, Dense.apply(g, m, memoryOut, "memory_W_m")});
        }
    }
}
