package dev.streamcast.kubernetes;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The Debian programs the alert tests run: promtool, prometheus and prometheus-alertmanager. */
final class Binaries {

    static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    static final Path ALERTMANAGER = Path.of("/usr/bin/prometheus-alertmanager");

    private Binaries() {
    }

    /** {@code program}, or a failure that says how to install it (.ci/run does). */
    static Path require(Path program) {
        if (!Files.isExecutable(program)) {
            throw new IllegalStateException("the alert tests run Debian's " + program + ": install it with 'apt-get install"
                    + " prometheus prometheus-alertmanager' (.ci/run does)");
        }
        return program;
    }

    /** Runs a command to its end: its exit status and everything it printed. */
    static Result run(List<String> command, Path workDir) throws Exception {
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish in 5 minutes: " + out);
        }
        return new Result(p.exitValue(), out);
    }

    record Result(int status, String output) {
    }
}
