package dev.streamcast.loadtest;

import dev.streamcast.contracts.json.Json;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.state.StateFormat;
import dev.streamcast.forecaster.state.EntityState;
import dev.streamcast.ingest.windowing.EntityWindows;
import dev.streamcast.ingest.windowing.WindowAccumulator;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a profiled service's CPU went, from its Java Flight Recorder file: every execution
 * sample goes to the category of the innermost frame that belongs to one (a HashMap lookup
 * inside Jackson is JSON), so the shares answer "the ORT call, serdes, state store or commit?".
 * Native code (ONNX Runtime, RocksDB) runs outside Java and shows up in native-method samples,
 * which are taken every 20 ms against every 10 ms for Java samples in JFR's {@code profile}
 * settings, so they count twice; native samples of other methods are threads waiting (polls,
 * sockets) and are not CPU.
 */
public final class ProfileSummary {

    /** Categories by frame prefix, checked from the innermost frame out. */
    static final Map<String, List<String>> CATEGORIES = categories();

    private static Map<String, List<String>> categories() {
        Map<String, List<String>> c = new LinkedHashMap<>();
        c.put("ONNX Runtime", List.of("ai.onnxruntime."));
        c.put("RocksDB", List.of("org.rocksdb."));
        c.put("JSON (Jackson, record codecs)", List.of("com.fasterxml.jackson.", packageOf(Json.class), packageOf(Codecs.class)));
        c.put("entity state (encode, decode)", List.of(packageOf(EntityState.class), packageOf(StateFormat.class),
                EntityWindows.class.getName(), WindowAccumulator.class.getName()));
        c.put("metrics (Micrometer, Prometheus)", List.of("io.micrometer.", "io.prometheus."));
        c.put("Kafka producer (send, transactions)", List.of("org.apache.kafka.clients.producer."));
        c.put("Kafka consumer (fetch)", List.of("org.apache.kafka.clients.consumer."));
        c.put("Kafka Streams (tasks, stores, commit)", List.of("org.apache.kafka.streams."));
        c.put("Kafka common (records, network)", List.of("org.apache.kafka.common."));
        c.put("streamcast (other)", List.of("dev.streamcast."));
        return c;
    }

    private ProfileSummary() {
    }

    private static String packageOf(Class<?> type) {
        return type.getPackageName() + ".";
    }

    /**
     * The JVM options that record a service with Java Flight Recorder into {@code jfr}: the profile
     * settings, stacks 256 deep (Kafka Streams' run deeper than the default 64), and the debug
     * information that lets JFR attribute samples inside inlined code (without it, most of the
     * stream thread's samples were dropped: a tenth kept, in a run of the forecaster's processor).
     */
    public static List<String> jvmOptions(Path jfr) {
        return List.of("-XX:StartFlightRecording=filename=" + jfr.toAbsolutePath() + ",settings=profile,dumponexit=true",
                "-XX:FlightRecorderOptions=stackdepth=256", "-XX:+UnlockDiagnosticVMOptions", "-XX:+DebugNonSafepoints");
    }

    /** Category to share of CPU samples (0..1), largest first, with "other" for the rest; empty without samples. */
    public static Map<String, Double> of(Path jfr) throws IOException {
        Map<String, Double> weights = new LinkedHashMap<>();
        double total = 0;
        try (RecordingFile recording = new RecordingFile(jfr)) { // streamed: a long run's recording can be large
            while (recording.hasMoreEvents()) {
                total += add(recording.readEvent(), weights);
            }
        }
        Map<String, Double> shares = new LinkedHashMap<>();
        double all = total;
        weights.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> shares.put(e.getKey(), e.getValue() / all));
        return shares;
    }

    /** Counts one event into {@code weights}; returns its weight (0 for events that are not CPU samples). */
    private static double add(RecordedEvent event, Map<String, Double> weights) {
        String type = event.getEventType().getName();
        boolean java = type.equals("jdk.ExecutionSample");
        if (!java && !type.equals("jdk.NativeMethodSample")) {
            return 0;
        }
        RecordedStackTrace stack = event.getStackTrace();
        String category = stack == null ? null : category(stack.getFrames());
        if (!java && !("ONNX Runtime".equals(category) || "RocksDB".equals(category))) {
            return 0; // a thread waiting in native code
        }
        double weight = java ? 1 : 2;
        weights.merge(category == null ? "other (JDK and the rest)" : category, weight, Double::sum);
        return weight;
    }

    static String category(List<RecordedFrame> frames) {
        for (RecordedFrame frame : frames) {
            if (frame.getMethod() == null || frame.getMethod().getType() == null) {
                continue;
            }
            String name = frame.getMethod().getType().getName();
            for (Map.Entry<String, List<String>> c : CATEGORIES.entrySet()) {
                for (String prefix : c.getValue()) {
                    if (name.startsWith(prefix)) {
                        return c.getKey();
                    }
                }
            }
        }
        return null;
    }

    /** One line: {@code 31% JSON (...), 19% Kafka producer (...), ...}. */
    public static String line(Map<String, Double> shares) {
        StringBuilder out = new StringBuilder();
        shares.forEach((category, share) -> out.append(out.isEmpty() ? "" : ", ")
                .append(Math.round(share * 100)).append("% ").append(category));
        return out.toString();
    }
}
