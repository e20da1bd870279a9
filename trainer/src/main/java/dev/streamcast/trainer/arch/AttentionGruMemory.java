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
import dev.streamcast.trainer.arch.components.ChangeForecast;
import dev.streamcast.trainer.arch.components.FeedForward;
import dev.streamcast.trainer.arch.components.LayerStack;
import dev.streamcast.trainer.arch.components.Norm;
import dev.streamcast.trainer.arch.components.WindowStack;
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

    static final float LEARNING_RATE = 1e-3f;

    @Override
    public String name() {
        return "attention-gru";
    }

    @Override
    public TrainedModel fit(Dataset data, TrainOptions options, TrainingProgress progress) {
        int w = WindowStack.window(name(), 0, data.lookback(), options);
        return LayerStack.fit(name(), data, options, progress, LEARNING_RATE, true, stack -> new Layers(stack, w));
    }

    private static final class Layers implements LayerStack.Layers {
        private final ChangeForecast framing;
        private final int channels;
        private final float dropout;
        private final WindowStack layers;
        private final Norm memoryNorm;
        private final GRU memory;
        private final Linear memoryOut;

        Layers(LayerStack stack, int window) {
            framing = stack.framing();
            channels = stack.channels();
            dropout = stack.dropout();
            layers = new WindowStack(stack, window);
            memoryNorm = stack.add("memory_LN", new Norm(channels));
            memory = stack.add("memory_GRU", GRU.builder().setStateSize(channels).setNumLayers(1)
                    .optBatchFirst(true).optReturnState(false).build());
            memoryOut = stack.add("memory_W_m", Linear.builder().setUnits(channels).build());
        }

        @Override
        public void initialize(NDManager manager, DataType dataType) {
            layers.initialize(manager, dataType);
            memoryNorm.initialize(manager, dataType, new Shape(1, channels));
            memory.initialize(manager, dataType, new Shape(1, 1, channels));
            memoryOut.initialize(manager, dataType, new Shape(1, channels));
        }

        @Override
        public NDArray forward(ParameterStore store, NDArray u, boolean training) {
            u = layers.forward(store, u, training, WindowStack.NONE);
            NDArray m = memory.forward(store, new NDList(memoryNorm.apply(store, u, training)), training).head();   // [R, S, C]
            NDArray out = memoryOut.forward(store, new NDList(m), training).head();
            return u.add(FeedForward.dropout(out, dropout, training));
        }

        @Override
        public List<StateTensor> state() {
            List<StateTensor> state = new ArrayList<>(layers.state());
            state.add(framing.carry("memory", channels));
            return state;
        }

        @Override
        public void describe(Map<String, Object> p) {
            layers.describe(p);
            p.put("memory", "GRU over the last layer's output, " + channels + " units, carried");
        }

        @Override
        public int warmUpSteps(int lookback) {
            return layers.warmUpSteps(lookback);
        }

        private String[] weights(Graph g) {
            return GateOrder.GRU.layerConstants(g, memory, 0, channels, channels, "memory_");
        }

        private static Graph.Attr[] gru(int hidden) {
            return new Graph.Attr[]{Graph.Attr.i("hidden_size", hidden), Graph.Attr.i("linear_before_reset", 1)};
        }

        @Override
        public String step(Graph g, String u) {
            u = layers.step(g, u, WindowStack.NONE);
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
            u = layers.sequence(g, u, WindowStack.NONE);
            String in = g.node("Transpose", new String[]{memoryNorm.apply(g, u, "memory_LN")}, Graph.Attr.ints("perm", 1, 0, 2)); // [S, R, C]
            String[] w = weights(g);
            String y = g.nodeMulti("GRU", new String[]{in, w[0], w[1], w[2]}, new String[]{g.name("memory_y")}, gru(channels))[0];
            String m = g.node("Transpose", new String[]{g.node("Squeeze", new String[]{y, g.ints("axes", 1)})},
                    Graph.Attr.ints("perm", 1, 0, 2));                                                  // [R, S, C]
            return g.node("Add", new String[]{u, Dense.apply(g, m, memoryOut, "memory_W_m")});
        }
    }
}
