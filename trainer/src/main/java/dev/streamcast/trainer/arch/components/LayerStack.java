package dev.streamcast.trainer.arch.components;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;
import ai.onnx.proto.OnnxMl;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.arch.TrainOptions;
import dev.streamcast.trainer.arch.TrainedModel;
import dev.streamcast.trainer.arch.TrainingProgress;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.onnx.Dense;
import dev.streamcast.trainer.onnx.Graph;
import dev.streamcast.trainer.training.Fitter;
import dev.streamcast.trainer.training.ForecastBlock;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The one stack of the attention and state-space nets, around the {@link Layers} that make each
 * of them what it is, on rows u [R, S, C] of C channels:
 * <pre>
 *   u = W_p d + b_p                    d: step differences as rows ({@link ChangeForecast})
 *   u = layer_L(... layer_1(u))        the architecture's own
 *   yhat = W_o LN_f(u) + x[targets]    LN_f optional (s4d has none); W_o starts at zero
 * </pre>
 * It owns everything the four have in common: the projection, the final norm and the head as
 * child blocks (named {@code projection}, {@code LN_f}, {@code head}, around the layers' own, in
 * that order), the output shapes, the initialisation of the child blocks, the fit, the state
 * {@code previous}, and the framing of both graphs. Its parameters are created and initialised in
 * the order the nets always used, so a seed trains to the same numbers.
 */
public final class LayerStack extends ForecastBlock {

    /** What an architecture puts between the projection and the head: its layers, built on the stack. */
    public interface Layers {

        /** Every layer in DJL: u [R, S, C] to [R, S, C]. */
        NDArray forward(ParameterStore store, NDArray u, boolean training);

        /** Initialises the layers' child blocks, after the projection and before the final norm and head. */
        void initialize(NDManager manager, DataType dataType);

        /** Every layer in the step graph: u [R, C] to [R, C], declaring its state through the framing. */
        String step(Graph g, String u);

        /** Every layer in the sequence graph: u [R, S, C] to [R, S, C], from zero state. */
        String sequence(Graph g, String u);

        /** The layers' state tensors, in graph order; the stack adds {@code previous}. */
        List<StateTensor> state();

        /** The layers' hyper-parameters, written between the stack's {@code channels} and {@code dropout}. */
        void describe(Map<String, Object> p);

        /** Steps after which the state holds everything the forecast depends on. */
        default int warmUpSteps(int lookback) {
            return lookback;
        }
    }

    private final ChangeForecast framing;
    private final int channels;
    private final int depth;
    private final float dropout;
    private final Linear projection;
    private final Layers layers;
    private final Norm finalNorm;   // null without one
    private final Linear head;

    private LayerStack(ChangeForecast framing, TrainOptions options, boolean withFinalNorm, Function<LayerStack, Layers> layers) {
        super((byte) 1);
        this.framing = framing;
        this.channels = options.hidden();
        this.depth = options.layers();
        this.dropout = options.dropout();
        projection = addChildBlock("projection", Linear.builder().setUnits(channels).build());
        this.layers = layers.apply(this);
        finalNorm = withFinalNorm ? addChildBlock("LN_f", new Norm(channels)) : null;
        head = addChildBlock("head", framing.head());
    }

    /**
     * Builds the stack with the layers {@code layers} builds on it (C = {@code --hidden} channels,
     * {@code --layers} deep), trains it and returns the trained model.
     */
    public static TrainedModel fit(String architecture, Dataset data, TrainOptions options, TrainingProgress progress,
                                   float learningRate, boolean withFinalNorm, Function<LayerStack, Layers> layers) {
        LayerStack stack = new LayerStack(new ChangeForecast(data, options), options, withFinalNorm, layers);
        Fitter fitter = Fitter.fit(architecture, stack, data, options, progress, learningRate);
        return new Model(architecture, stack, fitter, options, learningRate, data.lookback());
    }

    public ChangeForecast framing() {
        return framing;
    }

    /** C, the width of every layer. */
    public int channels() {
        return channels;
    }

    /** The number of layers. */
    public int depth() {
        return depth;
    }

    /** The dropout rate of each residual branch while training. */
    public float dropout() {
        return dropout;
    }

    /** Registers a parameter of a layer on the stack, of the layers' kind ({@link Parameter.Type#OTHER}). */
    public Parameter parameter(String name, Shape shape, Initializer initializer) {
        return param(Parameter.builder().setName(name).setType(Parameter.Type.OTHER).optShape(shape)
                .optInitializer(initializer).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();                                                 // [N, S, F]
        NDArray u = layers.forward(store, linear(store, projection, framing.rows(x), training), training); // [R, S, C]
        NDArray top = lastOnly ? u.get(":, -1, :") : u;
        if (finalNorm != null) {
            top = finalNorm.apply(store, top, training);
        }
        return new NDList(framing.forecast(linear(store, head, top, training), x, lastOnly));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return framing.outputShapes(inputShapes, lastOnly);
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape row = new Shape(1, channels);
        projection.initialize(manager, dataType, new Shape(1, framing.rowInputs()));
        layers.initialize(manager, dataType);
        if (finalNorm != null) {
            finalNorm.initialize(manager, dataType, row);
        }
        head.initialize(manager, dataType, row);
    }

    /** The head's input in a graph: u itself, or LN_f(u). */
    private String top(Graph g, String u) {
        return finalNorm == null ? u : finalNorm.apply(g, u, "LN_f");
    }

    private OnnxMl.ModelProto stepGraph(String name) {
        Graph g = new Graph(name);
        String u = layers.step(g, Dense.apply(g, framing.stepRows(g), projection, "projection"));           // [R, C]
        framing.stepForecast(g, Dense.apply(g, top(g, u), head, "head"));
        return g.build();
    }

    private OnnxMl.ModelProto sequenceGraph(String name) {
        Graph g = new Graph(name);
        String u = layers.sequence(g, Dense.apply(g, framing.sequenceRows(g), projection, "projection"));   // [R, S, C]
        framing.sequenceForecast(g, Dense.apply(g, top(g, u), head, "head"));
        return g.build();
    }

    private record Model(String architecture, LayerStack stack, Fitter fitter, TrainOptions options, float learningRate,
                         int lookback) implements DjlModel {

        @Override
        public int horizon() {
            return stack.framing.slots;
        }

        @Override
        public int targets() {
            return stack.framing.targets();
        }

        @Override
        public Map<String, Object> hyperParameters() {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("channels", (long) stack.channels);
            stack.layers.describe(p);
            p.put("dropout", (double) stack.dropout);
            stack.framing.describe(p, options, learningRate, lookback);
            return p;
        }

        @Override
        public List<StateTensor> state() {
            List<StateTensor> state = new ArrayList<>(stack.layers.state());
            state.add(stack.framing.previous());
            return state;
        }

        @Override
        public int warmUpSteps() {
            return stack.layers.warmUpSteps(lookback);
        }

        private String graphName() {
            return architecture.replace('-', '_');
        }

        @Override
        public OnnxMl.ModelProto stepGraph() {
            return stack.stepGraph(graphName() + "_step");
        }

        @Override
        public OnnxMl.ModelProto sequenceGraph() {
            return stack.sequenceGraph(graphName() + "_sequence");
        }
    }
}
