package dev.streamcast.loadtest.bench;

import dev.streamcast.contracts.json.Encoding;
import dev.streamcast.loadtest.SystemUnderTest;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The short version of {@code ./streamcast bench forecaster}: the real forecaster (its
 * quarkus-run.jar, a trained LSTM) and the ceiling app, each its own JVM on a local broker, get
 * the same vectors; every entity's forecasts come out exactly as many times as its steps allow,
 * and the figures the long run reports are there. Throughput is not asserted (a benchmark
 * measures it).
 */
class ForecasterBenchTest {

    private static final int ENTITIES = 300;
    private static final int STEPS = 2;
    private static final int LOOKBACK = 3;
    private static final int SETTLE = 1;

    @Test
    void bothAppsForecastEveryMeasuredStepOfEveryEntityAndTheBenchReportsCpuPerForecast() throws Exception {
        Path dir = Files.createTempDirectory("bench-forecaster");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        // the forecaster commits every millisecond, so many states are also written while their input waits for the
        // model (a new entity's without tensors, a later one's with the input): the sizes by step must not count them
        ForecasterBench.Result result = ForecasterBench.run(SystemUnderTest.Build.locate().root(), dir, ENTITIES, STEPS, SETTLE, LOOKBACK,
                64, 2, 1, "512m", Encoding.BINARY, List.of("kafka-streams.commit.interval.ms=1"), Map.of(), false,
                new PrintStream(console, true, StandardCharsets.UTF_8));
        String log = console.toString(StandardCharsets.UTF_8);
        System.out.print(log);

        for (List<ForecasterBench.Run> runs : List.of(result.forecaster(), result.ceiling())) {
            ForecasterBench.Run run = runs.get(0);
            // the warm-up's last step is the first forecast of each entity, then each settling step's; every measured step forecasts
            assertThat(run.warmUpOutputs()).as(run.name()).isEqualTo(ENTITIES * (1L + SETTLE));
            assertThat(run.outputs()).as(run.name()).isEqualTo((long) ENTITIES * STEPS);
            assertThat(run.cpu()).as(run.name()).isPositive();
            assertThat(run.perCpuSecond()).as(run.name()).isEqualTo(run.outputs() / run.cpu());
        }
        ForecasterBench.Run forecaster = result.forecaster().get(0);
        ForecasterBench.Run ceiling = result.ceiling().get(0);
        // binary forecasts of an LSTM with horizon 12 and one target: header, ids, 12 x (ts, value)
        assertThat(forecaster.outputBytes()).isBetween(12.0 * 16, 12.0 * 16 + 64);
        assertThat(ceiling.outputBytes()).isEqualTo(Math.round(forecaster.outputBytes()));
        // the state holds the LSTM-64's h and c, its warm-up inputs (one feature of the two channels' ten)
        // and its bookkeeping: within twice the first two
        assertThat(result.modelStateBytes()).isGreaterThanOrEqualTo(2 * 64 * Float.BYTES);
        assertThat(result.warmUpInputBytes()).isEqualTo(LOOKBACK * Float.BYTES);
        assertThat(forecaster.stateBytesPerEntity()).isBetween(result.modelStateBytes(),
                2 * (result.modelStateBytes() + result.warmUpInputBytes()));
        // the state written at each step once its input is stepped, read from the forecaster's changelog, is what the
        // ceiling writes at that step; once every entity forecasts its state has its final shape, the size the gauges report
        int[] byStep = forecaster.stateBytesByStep();
        assertThat(byStep).hasSize(LOOKBACK + SETTLE + STEPS);
        assertThat(ceiling.stateBytesByStep()).containsExactly(byStep);
        for (int step = 0; step < byStep.length; step++) {
            assertThat(byStep[step]).as("step %d", step).isGreaterThanOrEqualTo((int) result.modelStateBytes());
        }
        assertThat((double) byStep[byStep.length - 1]).isCloseTo(forecaster.stateBytesPerEntity(), within(8.0));
        assertThat(log).containsPattern("bench-forecaster-1 +state written per entity at each step: ([0-9]+, ){"
                + (byStep.length - 1) + "}[0-9]+ bytes");
        assertThat(result.lastLine()).matches("forecasts_per_cpu_s=[0-9]+ ceiling_per_cpu_s=[0-9]+ vs_ceiling=[0-9.]+");
        assertThat(log).contains(LOOKBACK + " warm-up + " + SETTLE + " settling + " + STEPS + " measured steps", "state_bytes_per_entity=");
        assertThat(log).containsPattern("bench-forecaster-1 measured from .* cpu-s by thread: .*stream=[0-9]");
    }
}
