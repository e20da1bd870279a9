package dev.streamcast.local.process;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Real JVMs: a starter (as the quickstart or the load-test harness) starts a child with the agent,
 * as {@link ServiceProcess} does, and is SIGKILLed; the child stops by itself and runs its shutdown.
 */
class LauncherWatchTest {

    /**
     * The starter: starts {@link Child} with the agent (its grace period {@code args[1]} s when
     * given), its standard input a pipe from here, prints its pid, waits.
     */
    public static final class Starter {
        public static void main(String[] args) throws Exception {
            String agent = Service.launcherWatchOption() + (args.length > 1 ? "=" + args[1] : "");
            List<String> command = new java.util.ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                    agent, "-cp", System.getProperty("java.class.path"), Child.class.getName()));
            command.addAll(List.of(args));
            Process child = new ProcessBuilder(command)
                    .redirectErrorStream(true).redirectOutput(Path.of(args[0], "child.log").toFile()).start();
            System.out.println(child.pid());
            System.out.flush();
            new CountDownLatch(1).await(); // until killed
        }
    }

    /**
     * The child, as a service: marks that it runs, and that its shutdown ran (which then never ends
     * when a grace period is given, as a service's close waiting for a broker that is gone);
     * otherwise waits forever.
     */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[0]);
            boolean hang = args.length > 1;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    Files.writeString(dir.resolve("shut-down"), "yes");
                    if (hang) {
                        new CountDownLatch(1).await(); // never released: a close that waits for ever
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            Files.writeString(dir.resolve("running"), "yes");
            new CountDownLatch(1).await(); // until stopped
        }
    }

    @Test
    void aChildStopsWithItsShutdownWhenItsStarterIsKilledAndNotBefore(@TempDir Path dir) throws Exception {
        ProcessHandle child = startAndKillTheStarter(dir);
        assertThat(dir.resolve("shut-down")).hasContent("yes");
        assertThat(Files.readString(dir.resolve("child.log")))
                .contains("the program that started this service is gone (its end of standard input closed): stopping, within 60 s")
                .doesNotContain("halting");
        assertThat(child.isAlive()).isFalse();
    }

    @Test
    void aShutdownThatDoesNotEndWithinTheGracePeriodIsCutShort(@TempDir Path dir) throws Exception {
        startAndKillTheStarter(dir, "2");
        assertThat(dir.resolve("shut-down")).hasContent("yes"); // the shutdown began
        assertThat(Files.readString(dir.resolve("child.log"))).contains("stopping, within 2 s")
                .contains("the shutdown did not end within 2 s: halting");
    }

    /** Starts a {@link Starter} and its child, checks the child runs on while the starter lives, SIGKILLs the starter. */
    private static ProcessHandle startAndKillTheStarter(Path dir, String... graceSeconds) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), Starter.class.getName(), dir.toString()));
        command.addAll(List.of(graceSeconds));
        Process starter = new ProcessBuilder(command).redirectErrorStream(true).start();
        ProcessHandle child;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(starter.getInputStream(), StandardCharsets.UTF_8));
            long pid = Long.parseLong(out.readLine().strip());
            Optional<ProcessHandle> found = ProcessHandle.of(pid);
            assertThat(found).isPresent();
            child = found.get();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(dir.resolve("running")).exists());
            // while its starter lives, the child runs on: nothing arrives on its standard input, and that is not an end
            assertThatThrownBy(() -> child.onExit().get(1500, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class);
            assertThat(child.isAlive()).isTrue();
            assertThat(dir.resolve("shut-down")).doesNotExist();
        } finally {
            starter.destroyForcibly(); // SIGKILL: no shutdown hook of the starter runs, nothing stops the child for it
        }
        assertThat(starter.waitFor(30, TimeUnit.SECONDS)).isTrue();

        try {
            assertThat(child.onExit().get(30, TimeUnit.SECONDS).isAlive()).isFalse();
        } finally {
            child.destroyForcibly(); // a child left running by a failure here is not left to the next test
        }
        return child;
    }
}
