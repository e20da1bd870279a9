package dev.streamcast.local.quickstart;

import dev.streamcast.contracts.cli.Options;
import dev.streamcast.local.broker.Ports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The quickstart against its real broker: records flow, every one is counted, nothing keeps running. */
class QuickstartTest {

    @TempDir
    Path dataDir;

    @Test
    void streamsDemoRecordsCountsThemAndStopsTheBroker() throws Exception {
        int port = Ports.pickFree("127.0.0.1");
        int controllerPort = Ports.pickFree("127.0.0.1");
        Options options = Options.parse(new String[]{"--exit-after", "6", "--port", "" + port,
                "--controller-port", "" + controllerPort, "--data-dir", dataDir.toString(),
                "--interval-ms", "100", "--entities", "5", "--note-probability", "0.05"}, Quickstart.OPTIONS, "quickstart");
        ByteArrayOutputStream output = new ByteArrayOutputStream();

        Quickstart.Summary summary = new Quickstart(options, new PrintStream(output, true, StandardCharsets.UTF_8),
                System.currentTimeMillis()).run();

        assertThat(summary.generatorError()).isNull();
        assertThat(summary.counts().get("sensor-readings")).isEqualTo(summary.sensorSent()).isGreaterThan(100);
        assertThat(summary.counts().get("text-events")).isEqualTo(summary.textSent()).isPositive();
        assertThat(summary.counts()).containsKeys("features", "forecasts", "model-events", "ingest-dlq");
        assertThat(summary.firstRecordMillis()).isPositive();
        assertThat(output.toString(StandardCharsets.UTF_8)).contains("broker ready in").contains("first record acknowledged");
        assertThat(Ports.isFree("127.0.0.1", port)).as("no broker left behind").isTrue();
        assertThat(Ports.isFree("127.0.0.1", controllerPort)).isTrue();
    }

    @Test
    void badOptionsAreRefusedBeforeAnythingStarts() {
        int port = Ports.pickFree("127.0.0.1");
        Options options = Options.parse(new String[]{"--status-every-s", "0", "--port", "" + port,
                "--data-dir", dataDir.toString()}, Quickstart.OPTIONS, "quickstart");
        assertThatThrownBy(() -> new Quickstart(options, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), System.currentTimeMillis()).run())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("streamcast quickstart: --status-every-s must be between 1 and 3600, got 0");
        assertThat(java.nio.file.Files.exists(dataDir.resolve("kafka-logs"))).as("no broker was started").isFalse();
    }
}
