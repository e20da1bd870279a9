package dev.streamcast.loadtest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scale-out scenario, small: on 6 partitions, ingest and the forecaster start as two JVMs each,
 * a third forecaster joins, one stops gracefully, one is SIGKILLed and started again, every instance
 * restarts one at a time, and it ends on one of each, all under a steady load. Read back
 * {@code read_committed}, every committed vector has exactly one forecast, in window order, equal to
 * the model offline, no forecasts partition stalls past the bound, and both DLQs are empty.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScaleOutLoadTest {

    Path dir;
    LoadTest.Result result;
    String console;
    int status;

    @BeforeAll
    void run() throws Exception {
        dir = Files.createTempDirectory("load-test-scale-out");
        LoadTest.Config config = LoadTestCommand.withDataDir(LoadTestCommand.config(dev.streamcast.contracts.cli.Options.parse(
                new String[]{"--scenario", "scale-out", "--entities", "120", "--channels", "2", "--rate", "300", "--warmup-s", "15",
                        "--duration-s", "50", "--drain-timeout-s", "120", "--lstm-hidden", "16", "--baseline", "false",
                        "--max-task-idle-ms", "5000"}, LoadTestCommand.OPTIONS, "load-test")), dir.resolve("system"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            status = LoadTestCommand.run(config, dir.resolve("out"), out);
        }
        console = bytes.toString(StandardCharsets.UTF_8);
        System.out.println(console);
        result = Report.MAPPER.readValue(dir.resolve("out/result.json").toFile(), KillRestartLoadTest.LoadTestResultView.class)
                .asResult();
    }

    @AfterAll
    void cleanUp() throws Exception {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void everyVectorIsForecastExactlyOnceInOrderAndAsOfflineWhileInstancesComeAndGo() {
        List<String> events = result.phases().get("pipeline").reported().events();
        assertThat(String.join("\n", events)).contains("forecaster 3 added", "forecaster 1 stopped gracefully",
                "forecaster 2 killed with SIGKILL", "rolling restart: ingest 1", "rolling restart: ingest 2",
                "rolling restart: forecaster 2", "rolling restart: forecaster 3", "scaled down to one of each: ingest [1], forecaster [2]");
        assertThat(result.summary()).containsEntry("instances_max", 5).containsEntry("missing", 0).containsEntry("duplicated", 0)
                .containsEntry("out_of_order", 0);
        assertThat(((Number) result.summary().get("forecasts")).longValue()).isGreaterThan(120L * 10);
        assertThat(((Number) result.summary().get("max_abs_diff")).doubleValue()).isLessThanOrEqualTo(1e-4);
        assertThat(((Number) result.summary().get("max_stall_s")).doubleValue()).isPositive()
                .isLessThanOrEqualTo(LoadTest.MAX_STALL_S);
        // the killed member's partitions come back after its session timeout (10 s), and no partition later than the bound
        assertThat(((Number) result.summary().get("recovery_after_kill_s")).doubleValue()).isGreaterThan(5)
                .isLessThanOrEqualTo(LoadTest.MAX_STALL_S);
        assertThat(result.checks()).contains("PASS services: refused no record (ingest-dlq and forecaster-dlq empty)")
                .anyMatch(c -> c.startsWith("PASS scale-out: one forecast per committed vector"))
                .anyMatch(c -> c.startsWith("PASS scale-out: forecasts equal the model offline"))
                .anyMatch(c -> c.startsWith("PASS scale-out: after the SIGKILL every forecasts partition had a forecast again"))
                .noneMatch(c -> c.startsWith("FAIL"));
        assertThat(status).isZero();
        String[] lines = console.strip().split("\n");
        assertThat(lines[lines.length - 1]).matches(
                "instances_max=5 forecasts=[0-9]+ missing=0 duplicated=0 out_of_order=0 max_stall_s=[0-9.]+");
    }
}
