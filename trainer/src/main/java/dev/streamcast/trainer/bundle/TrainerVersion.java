package dev.streamcast.trainer.bundle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** What trained a bundle: the trainer's version and the source revision (git), for the manifest's lineage. */
public final class TrainerVersion {

    private TrainerVersion() {
    }

    public static String version() {
        String version = TrainerVersion.class.getPackage().getImplementationVersion();
        return version == null ? "0.1.0-SNAPSHOT" : version;
    }

    /** STREAMCAST_REVISION if set, else the current git commit, else null. */
    public static String revision() {
        String fromEnv = System.getenv("STREAMCAST_REVISION");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv.strip();
        }
        try {
            Process git = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return git.waitFor(5, TimeUnit.SECONDS) && git.exitValue() == 0 && out.matches("[0-9a-f]{40}") ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
