package dev.streamcast.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A real Flight Recorder recording of a thread busy parsing JSON is summarised as mostly JSON. */
class ProfileSummaryTest {

    @Test
    void samplesGoToTheCategoryOfTheirInnermostKnownFrame(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("busy.jfr");
        ObjectMapper mapper = new ObjectMapper();
        String json = "{\"specId\":\"3ad1\",\"windowStart\":1708864200000,\"values\":[43.326,43.326,56.613,1.0,0.0,0.0]}";
        long sum = 0;
        try (Recording recording = new Recording()) {
            recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
            recording.start();
            long until = System.nanoTime() + Duration.ofMillis(1500).toNanos();
            while (System.nanoTime() < until) {
                JsonNode node = mapper.readTree(json);
                sum += node.get("values").size();
            }
            recording.stop();
            recording.dump(file);
        }
        assertThat(sum).isPositive();

        Map<String, Double> shares = ProfileSummary.of(file);

        assertThat(shares.values().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0,
                org.assertj.core.api.Assertions.within(1e-9));
        assertThat(shares.keySet().iterator().next()).isEqualTo("JSON (Jackson, record codecs)");
        assertThat(shares.get("JSON (Jackson, record codecs)")).isGreaterThan(0.5);
        assertThat(ProfileSummary.line(shares)).startsWith(Math.round(shares.get("JSON (Jackson, record codecs)") * 100)
                + "% JSON (Jackson, record codecs)");
    }

    @Test
    void aJvmStartedWithTheProfilesOptionsRecordsItsSamplesForTheSummary(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("busy.jfr");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        command.addAll(ProfileSummary.jvmOptions(file));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Busy.class.getName()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());

        assertThat(process.waitFor()).as(output).isZero();
        assertThat(ProfileSummary.of(file).entrySet().iterator().next().getKey()).as(output).isEqualTo("JSON (Jackson, record codecs)");
    }

    /** Parses JSON for two seconds: a JVM whose samples are mostly Jackson's. */
    public static final class Busy {
        public static void main(String[] args) throws Exception {
            ObjectMapper mapper = new ObjectMapper();
            String json = "{\"specId\":\"3ad1\",\"windowStart\":1708864200000,\"values\":[43.326,43.326,56.613,1.0,0.0,0.0]}";
            long sum = 0;
            long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < until) {
                sum += mapper.readTree(json).get("values").size();
            }
            System.out.println("parsed " + sum + " values");
        }
    }
}
