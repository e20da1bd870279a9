package dev.streamcast.local.bench;

import dev.streamcast.contracts.cli.Options;
import dev.streamcast.local.process.Service;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The covariate bench's short version: an hour of the demo plant through a real broker and the built ingest, the
 * trainer on the features topic with and without the text. The gain itself is measured by the bench, not asserted.
 */
class CovariateBenchTest {

    @TempDir
    Path tmp;

    @Test
    void streamsTheDemoThroughIngestAndTrainsWithAndWithoutTheText() throws Exception {
        assumeThat(Service.INGEST.built()).as("ingest is built (mvn verify builds it before these tests)").isTrue();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = CovariateBench.run(Options.parse(new String[]{"--hours", "1", "--seeds", "1", "--entities", "4",
                "--faults-per-hour", "6", "--work-dir", tmp.resolve("work").toString(), "--train-options",
                "--lookback 12 --horizon 6 --epochs 1 --hidden 8 --layers 1 --learning-rates default --max-train-windows 256"},
                CovariateBench.OPTIONS, "test"), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(status).as(out).isZero();

        Matcher vectors = Pattern.compile("bench covariates: (\\d+) feature vectors of 4 entities").matcher(out);
        assertThat(vectors.find()).as(out).isTrue();
        assertThat(Long.parseLong(vectors.group(1))).as("an hour of 10 s windows for 4 entities").isBetween(4 * 340L, 4 * 370L); // and the windows of the live seconds after it
        assertThat(out).contains("gru seed 1, S on [oil_c.mean]: test mse");
        Matcher with = Pattern.compile("gru seed 1, MS on \\[oil_c.mean, ([^]]*)]").matcher(out);
        assertThat(with.find()).as(out).isTrue();
        assertThat(with.group(1)).as("the fault's keywords are among the inputs").contains("text.kw.fault", "text.kw.trip");

        Matcher last = Pattern.compile("covariates arch=gru seeds=1 mse_without=([0-9.]+) mse_with=([0-9.]+) gain=(-?[0-9.]+)\\s*$")
                .matcher(out);
        assertThat(last.find()).as(out).isTrue();
        double without = Double.parseDouble(last.group(1));
        double withText = Double.parseDouble(last.group(2));
        assertThat(without).isPositive();
        assertThat(withText).isPositive().isNotEqualTo(without);
        assertThat(Double.parseDouble(last.group(3))).isCloseTo(1 - withText / without, org.assertj.core.api.Assertions.within(1e-3));
    }
}
