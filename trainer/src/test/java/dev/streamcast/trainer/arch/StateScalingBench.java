package dev.streamcast.trainer.arch;

import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.trainer.data.CsvSeries;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.data.Mode;
import dev.streamcast.trainer.data.SeriesTable;
import dev.streamcast.trainer.onnx.OrtRunner;
import dev.streamcast.trainer.training.DjlSetup;

import java.nio.file.Path;
import java.util.List;

/**
 * How state and step cost grow with the context a model sees: the transformer's window W against
 * the look-back L of the models whose state is a fixed-size summary (linear attention, S4D,
 * Mamba). Weights do not change either figure, so each model trains one short epoch only. Mode S,
 * H = 96, the same ONNX Runtime step timing as the accuracy bench. Not a test: run it with the
 * test classpath,
 * <pre>
 *   java -cp trainer/target/test-classes:trainer/target/classes:$(cat trainer/target/test-classpath.txt) \
 *       dev.streamcast.trainer.arch.StateScalingBench ../shared/data/ETT-small/ETTh1.csv 16,32,64,96,192
 * </pre>
 * One line per architecture and context: {@code arch=... context=... state_bytes=... step_us_b1=... step_us_b256=...}.
 */
public final class StateScalingBench {

    private StateScalingBench() {
    }

    public static void main(String[] args) throws Exception {
        DjlSetup.configure();
        SeriesTable table = CsvSeries.read(Path.of(args[0]));
        String[] contexts = (args.length > 1 ? args[1] : "16,32,64,96,192").split(",");
        List<String> archs = List.of(args.length > 2 ? args[2].split(",") : new String[]{"transformer", "linear-attention", "s4d", "mamba"});
        TrainOptions options = TrainOptions.defaults().withEpochs(1).withMaxTrainWindows(64);
        for (String name : archs) {
            for (String c : contexts) {
                int context = Integer.parseInt(c.strip());
                // the transformer keeps its look-back and widens its window; the others see a longer look-back
                boolean transformer = name.equals("transformer");
                Dataset data = Dataset.of(table, Mode.S, "OT", transformer ? 96 : context, 96);
                Architecture arch = transformer ? new SlidingWindowTransformer(context) : Architectures.byName(name);
                try (TrainedModel model = arch.fit(data, options, TrainingProgress.SILENT)) {
                    long bytes = model.state().stream().mapToLong(StateTensor::bytesPerEntity).sum();
                    double b1 = OrtRunner.stepMicros(model.stepGraph(), model.state(), 1, data.features(), 2000);
                    double b256 = OrtRunner.stepMicros(model.stepGraph(), model.state(), 256, data.features(), 200);
                    System.out.printf("arch=%s context=%d state_bytes=%d step_us_b1=%.1f step_us_b256=%.1f%n",
                            name, context, bytes, b1, b256);
                }
            }
        }
        System.exit(0);
    }
}
