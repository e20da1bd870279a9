package dev.streamcast.local.process;

import dev.streamcast.trainer.cli.AccuracyBench;
import dev.streamcast.trainer.cli.ParityBench;
import dev.streamcast.trainer.cli.TrainCommand;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * How each streamcast program is started on this machine, in one place: the JVM flags it always
 * needs, and what it runs. The Quarkus services run the application their module builds
 * ({@code quarkus-run.jar}, located by {@code services.properties}, which Maven fills in from this
 * module's dependencies); the trainer's programs run from this module's own class path, on which
 * Maven puts the trainer.
 *
 * <p>Every program gets {@code -XX:+UseSerialGC} (a small heap, no GC threads competing with the
 * stream threads) and {@code -Xss8m}: ONNX Runtime's start-up overflows the default stack on a long
 * class path. A caller's JVM options come after these, so a caller's {@code -Xmx} wins.
 */
public enum Service {
    INGEST("ingest", "512m", null),
    REGISTRY("registry", "512m", null),
    FORECASTER("forecaster", "1g", null),
    TRAINER_SERVICE("trainer-service", "2g", null),
    TRAINER("train", "2g", TrainCommand.class),
    ACCURACY_BENCH("bench-accuracy", "4g", AccuracyBench.class),
    PARITY_BENCH("bench-parity", "4g", ParityBench.class);

    private static final Properties APPLICATIONS = applications();

    private final String launcherName;
    private final String heap;
    private final Class<?> main;

    Service(String launcherName, String heap, Class<?> main) {
        this.launcherName = launcherName;
        this.heap = heap;
        this.main = main;
    }

    /** The launcher's name for it: {@code ./streamcast <command>}, or {@code bench-<what>} for a bench. */
    public String launcherName() {
        return launcherName;
    }

    /** The program called {@code launcherName}, or an error listing the names there are. */
    public static Service named(String launcherName) {
        for (Service s : values()) {
            if (s.launcherName.equals(launcherName)) {
                return s;
            }
        }
        throw new IllegalArgumentException("no program named '" + launcherName + "'; there are " + names());
    }

    /** Every program's launcher name. */
    public static List<String> names() {
        return java.util.Arrays.stream(values()).map(Service::launcherName).toList();
    }

    /** The Quarkus application this service runs; for the trainer's programs, none. */
    public Path application() {
        if (main != null) {
            throw new IllegalStateException(launcherName + " runs from the trainer's class path, not an application");
        }
        return Path.of(APPLICATIONS.getProperty(name().toLowerCase(Locale.ROOT))).normalize();
    }

    /**
     * {@code -javaagent:<jar>} of {@link LauncherWatch}: a JVM started with it stops when the JVM
     * that started it is gone. {@link ServiceProcess} gives it to every service; other long-running
     * children (the load tests' pass-through, the bench's ceiling) take it too.
     */
    public static String launcherWatchOption() {
        Path jar = Path.of(APPLICATIONS.getProperty("launcher_watch")).normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("deploy/local is not built (" + jar + " is missing): run ./streamcast build,"
                    + " or mvn -B -DskipTests package");
        }
        return "-javaagent:" + jar;
    }

    /** True when what this service runs has been built ({@code ./streamcast build} or {@code mvn -DskipTests package}). */
    public boolean built() {
        return main != null || Files.isRegularFile(application());
    }

    /**
     * {@code java <flags> <jvmOptions> -D<properties> (-jar application | -cp classpath main) <args>},
     * with the java of this JVM. Properties are {@code key=value}.
     */
    public List<String> command(List<String> jvmOptions, List<String> properties, List<String> args) {
        if (!built()) {
            throw new IllegalStateException(launcherName + " is not built (" + application()
                    + " is missing): run ./streamcast build, or mvn -B -DskipTests package");
        }
        List<String> line = new ArrayList<>();
        line.add(ProcessHandle.current().info().command().orElse("java"));
        line.addAll(List.of("-XX:+UseSerialGC", "-Xss8m", "-Xmx" + heap));
        line.addAll(jvmOptions);
        properties.forEach(p -> line.add("-D" + p));
        if (main == null) {
            line.add("-jar");
            line.add(application().toString());
        } else {
            line.add("-cp");
            line.add(System.getProperty("java.class.path"));
            line.add(main.getName());
        }
        line.addAll(args);
        return line;
    }

    private static Properties applications() {
        Properties p = new Properties();
        try (InputStream in = Service.class.getResourceAsStream("services.properties")) {
            if (in == null) {
                throw new IllegalStateException("services.properties is missing from deploy/local's resources");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }
}
