package dev.streamcast.trainer.cli;

import dev.streamcast.contracts.cli.Options;
import dev.streamcast.trainer.arch.TrainingProgress;
import dev.streamcast.trainer.data.Mode;
import dev.streamcast.trainer.testing.TestSeries;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The suite's short version: two horizons, two look-backs, two seeds, on a generated series. */
class LtsfSuiteTest {

    @Test
    void choosesOnValidationTestsEverySeedAndEndsWithTheBestPerHorizon() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Options o = Options.parse(new String[]{"--data", "generated", "--modes", "M,S", "--horizons", "6,12", "--lookbacks", "12,24",
                "--arch", "seasonal-naive,rlinear", "--seeds", "2", "--epochs", "2", "--max-train-windows", "128"},
                LtsfSuite.OPTIONS, "test");
        List<LtsfSuite.Row> rows = LtsfSuite.run(TestSeries.hourly(800, List.of("HUFL", "OT"), 3), o,
                new PrintStream(bytes, true, StandardCharsets.UTF_8), TrainingProgress.SILENT);
        String out = bytes.toString(StandardCharsets.UTF_8);

        assertThat(rows).hasSize(2 * 2 * 2);
        LtsfSuite.Row learned = rows.stream().filter(r -> r.mode() == Mode.M && r.horizon() == 12 && r.arch().equals("rlinear"))
                .findFirst().orElseThrow();
        assertThat(learned.lookback()).isIn(12, 24);
        assertThat(learned.rate()).isIn(1e-3f, 3e-4f);
        assertThat(learned.mse()).hasSize(2);
        assertThat(java.util.Arrays.stream(learned.mse()).min().orElseThrow()).isPositive();
        assertThat(learned.mse()[0]).as("another seed, another fit").isNotEqualTo(learned.mse()[1]);
        assertThat(learned.stateBytes()).as("a window of L - 1 values of 2 targets").isEqualTo((learned.lookback() - 1) * 2 * 4L);
        LtsfSuite.Row naive = rows.stream().filter(r -> r.mode() == Mode.S && r.arch().equals("seasonal-naive")).findFirst().orElseThrow();
        assertThat(naive.mse()).as("a baseline has nothing to seed").hasSize(1);

        String last = out.strip().lines().reduce((a, b) -> b).orElseThrow();
        LtsfSuite.Row m6 = rows.stream().filter(r -> r.mode() == Mode.M && r.horizon() == 6 && r.arch().equals("rlinear")).findFirst().orElseThrow();
        assertThat(last).startsWith(String.format(java.util.Locale.ROOT, "ltsf M mse_6=%.4f mse_12=%.4f S mse_6=", m6.meanMse(),
                learned.meanMse())).endsWith(" arch=rlinear");
        assertThat(out).contains("mode     H architecture").contains("ltsf suite: ");
    }
}
