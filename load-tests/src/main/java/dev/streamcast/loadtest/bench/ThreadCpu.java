package dev.streamcast.loadtest.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * A process's CPU seconds by kind of thread, from Linux's {@code /proc/<pid>/task/<tid>/stat} and
 * {@code comm} (names cut at 15 characters): the stream threads (named after the application id),
 * the JIT compilers, the garbage collector, Kafka's client threads (producer network, heartbeat) and
 * the rest. What a bench's figure is made of: a short measured phase that still compiles code pays
 * for it in {@code jit}. Empty where there is no {@code /proc}.
 */
final class ThreadCpu {

    private static final double TICKS_PER_SECOND = 100; // USER_HZ on Linux

    private ThreadCpu() {
    }

    /** CPU seconds so far per kind of thread of {@code pid}; {@code streamPrefix} starts the stream threads' names. */
    static Map<String, Double> byKind(long pid, String streamPrefix) {
        Map<String, Double> kinds = new TreeMap<>();
        Path tasks = Path.of("/proc", String.valueOf(pid), "task");
        if (!Files.isDirectory(tasks)) {
            return kinds;
        }
        String stream = streamPrefix.substring(0, Math.min(15, streamPrefix.length()));
        try (DirectoryStream<Path> threads = Files.newDirectoryStream(tasks)) {
            for (Path thread : threads) {
                try {
                    String name = Files.readString(thread.resolve("comm")).strip();
                    String stat = Files.readString(thread.resolve("stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    double seconds = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND; // utime, stime
                    kinds.merge(kind(name, stream), seconds, Double::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended between the listing and the read: its time is no longer counted anywhere
                }
            }
        } catch (IOException e) {
            return Map.of();
        }
        return kinds;
    }

    static String kind(String name, String stream) {
        if (name.startsWith(stream)) {
            return "stream";
        }
        if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
            return "jit";
        }
        if (name.startsWith("VM Thread") || name.startsWith("GC Thread") || name.startsWith("G1 ")) {
            return "gc";
        }
        if (name.startsWith("kafka-")) {
            return "kafka-io";
        }
        return "other";
    }

    /** {@code after - before} per kind, as {@code kind=seconds} pairs. */
    static String difference(Map<String, Double> before, Map<String, Double> after) {
        StringBuilder line = new StringBuilder();
        after.forEach((kind, seconds) -> line.append(line.isEmpty() ? "" : " ").append(kind).append('=')
                .append(String.format("%.1f", seconds - before.getOrDefault(kind, 0.0))));
        return line.toString();
    }
}
