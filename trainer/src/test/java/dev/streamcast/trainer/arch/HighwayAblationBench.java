package dev.streamcast.trainer.arch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.onnx.proto.OnnxMl;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.arch.components.DjlModel;
import dev.streamcast.trainer.arch.components.Highway;
import dev.streamcast.trainer.data.CsvSeries;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.data.Mode;
import dev.streamcast.trainer.eval.Backtest;
import dev.streamcast.trainer.training.DjlSetup;
import dev.streamcast.trainer.training.Fitter;
import dev.streamcast.trainer.training.ForecastBlock;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * How much of {@code gru-highway}'s accuracy is its linear part: the {@link Highway} alone
 * (persistence plus the linear map over the window's change from the current value, NLinear's
 * form), trained exactly as {@code gru-highway} is (same options, learning rate 1e-3 unless given),
 * and backtested under the protocol. Not a test and not an architecture (no graphs): run it with the
 * test classpath,
 * <pre>
 *   java -cp trainer/target/test-classes:trainer/target/classes:$(cat trainer/target/test-classpath.txt) \
 *       dev.streamcast.trainer.arch.HighwayAblationBench ../shared/data/ETT-small/ETTh1.csv M [learning rate]
 * </pre>
 * Prints every epoch and {@code arch=highway-alone mode=... mse=... mae=...}.
 */
public final class HighwayAblationBench {

    private HighwayAblationBench() {
    }

    /** yhat [N, H, T] = x_L[targets] + highway(x). */
    static final class Net extends ForecastBlock {
        final Highway highway;
        private final int[] targetIndex;
        private final int slots;

        Net(int lookback, int slots, int[] targetIndex) {
            super((byte) 1);
            this.targetIndex = targetIndex;
            this.slots = slots;
            this.highway = new Highway(this, lookback, slots, targetIndex);
        }

        @Override
        protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();                                                  // [N, L, F]
            NDArray current = x.get(new NDIndex(":, -1, {}",
                    x.getManager().create(Arrays.stream(targetIndex).asLongStream().toArray()))).expandDims(1); // [N, 1, T]
            return new NDList(highway.forward(store, x, training, true).add(current));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[]{new Shape(inputShapes[0].get(0), slots, targetIndex.length)};
        }

        @Override
        protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            highway.initialize(manager, dataType, inputShapes[0].get(0));
        }
    }

    public static void main(String[] args) throws Exception {
        DjlSetup.configure();
        Mode mode = Mode.valueOf(args[1]);
        float rate = args.length > 2 ? Float.parseFloat(args[2]) : 1e-3f;
        Dataset data = Dataset.of(CsvSeries.read(Path.of(args[0])), mode, "OT", 96, 96);
        TrainOptions options = TrainOptions.defaults();
        Net net = new Net(data.lookback(), data.horizon(), data.targetIndex());
        Fitter fitter = Fitter.fit("highway-alone", net, data, options,
                (a, e, m, t, v, s) -> System.out.printf("epoch %d loss %.4f val %.4f %.1f s%n", e, t, v, s), rate);
        try (TrainedModel model = new DjlModel() {
            @Override
            public Fitter fitter() {
                return fitter;
            }

            @Override
            public String architecture() {
                return "highway-alone";
            }

            @Override
            public Map<String, Object> hyperParameters() {
                return Map.of();
            }

            @Override
            public List<StateTensor> state() {
                return List.of(net.highway.state());
            }

            @Override
            public int warmUpSteps() {
                return data.lookback();
            }

            @Override
            public int horizon() {
                return data.horizon();
            }

            @Override
            public int targets() {
                return data.targetIndex().length;
            }

            @Override
            public OnnxMl.ModelProto stepGraph() {
                throw new UnsupportedOperationException("an ablation, not exported");
            }

            @Override
            public OnnxMl.ModelProto sequenceGraph() {
                throw new UnsupportedOperationException("an ablation, not exported");
            }
        }) {
            Backtest.Scores scores = Backtest.test(model, data);
            System.out.printf("arch=highway-alone mode=%s lr=%s mse=%.4f mae=%.4f%n", mode, rate, scores.mse(), scores.mae());
        }
        System.exit(0);
    }
}
