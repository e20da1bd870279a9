package dev.streamcast.loadtest.bench;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The bench's CPU by kind of thread, read from /proc for this very JVM. */
class ThreadCpuTest {

    @Test
    void threadsAreSortedIntoKindsByTheirNames() {
        assertThat(ThreadCpu.kind("bench-forecaste", "bench-forecaste")).isEqualTo("stream");
        assertThat(ThreadCpu.kind("C2 CompilerThre", "bench-forecaste")).isEqualTo("jit");
        assertThat(ThreadCpu.kind("VM Thread", "bench-forecaste")).isEqualTo("gc");
        assertThat(ThreadCpu.kind("kafka-producer-", "bench-forecaste")).isEqualTo("kafka-io");
        assertThat(ThreadCpu.kind("executor-thread", "bench-forecaste")).isEqualTo("other");
    }

    @Test
    void aBusyThreadsSecondsLandInItsKind() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isDirectory(java.nio.file.Path.of("/proc/self/task")),
                "Linux /proc");
        long pid = ProcessHandle.current().pid();
        java.util.concurrent.CountDownLatch burnt = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Thread busy = new Thread(() -> {
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            long spin = 0;
            while (mx.getCurrentThreadCpuTime() < 300_000_000L) {
                spin += System.nanoTime() & 1;
            }
            burnt.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (spin < 0) {
                System.out.println(spin);
            }
        }, "bench-busy-app-1-StreamThread-1");
        busy.start();
        try {
            burnt.await();
            Map<String, Double> kinds = ThreadCpu.byKind(pid, "bench-busy-app-1");
            assertThat(kinds.get("stream")).as("0.3 s of CPU, counted in ticks of 10 ms").isBetween(0.25, 5.0);
            assertThat(ThreadCpu.difference(Map.of("stream", 0.1), kinds)).contains("stream=" + String.format("%.1f",
                    kinds.get("stream") - 0.1));
        } finally {
            release.countDown();
            busy.join();
        }
    }
}
