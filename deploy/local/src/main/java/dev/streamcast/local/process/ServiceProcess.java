package dev.streamcast.local.process;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One streamcast service (a Quarkus application, see {@link Service}) run as a child JVM by the
 * quickstart and the load tests: its output goes to a log file, readiness is its {@code /q/health/ready}, and
 * stopping it sends SIGTERM (a clean Kafka Streams shutdown) before SIGKILL. It stops by itself
 * when the JVM that started it is gone ({@link LauncherWatch}), so no service outlives a killed or
 * crashed quickstart or load test.
 */
public final class ServiceProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final int httpPort;
    private final Process process;
    private final Path log;

    private ServiceProcess(String name, int httpPort, Process process, Path log) {
        this.name = name;
        this.httpPort = httpPort;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code service} with its usual JVM flags, the HTTP port and {@code properties} set, logging to {@code log}. */
    public static ServiceProcess start(Service service, int httpPort, List<String> properties, Path log) throws IOException {
        return start(service, httpPort, List.of(), properties, log);
    }

    /** Starts {@code service} with {@code jvmOptions} after its usual flags, the HTTP port and {@code properties} set. */
    public static ServiceProcess start(Service service, int httpPort, List<String> jvmOptions, List<String> properties,
                                       Path log) throws IOException {
        return start(service, httpPort, jvmOptions, properties, Map.of(), log);
    }

    /**
     * Starts {@code service} as above with {@code environment} added to this process's own. Secrets
     * (registry tokens: {@code REGISTRY_AUTH_WRITE_TOKENS}, {@code FORECASTER_REGISTRY_TOKEN}) go
     * here, never into {@code properties}: a command line is visible to every user of the machine
     * ({@code ps}), a process's environment only to its owner. Quarkus maps such a variable to its
     * setting ({@code FORECASTER_REGISTRY_TOKEN} is {@code forecaster.registry.token}).
     */
    public static ServiceProcess start(Service service, int httpPort, List<String> jvmOptions, List<String> properties,
                                       Map<String, String> environment, Path log) throws IOException {
        List<String> all = new ArrayList<>(properties);
        all.add("quarkus.http.port=" + httpPort);
        List<String> options = new ArrayList<>();
        options.add(Service.launcherWatchOption());
        options.addAll(jvmOptions);
        List<String> command = service.command(options, all, List.of());
        Files.createDirectories(log.getParent());
        // standard input stays a pipe from this JVM (ProcessBuilder's default): its end is what LauncherWatch waits for
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        return new ServiceProcess(service.launcherName(), httpPort, builder.start(), log);
    }

    public String name() {
        return name;
    }

    public int port() {
        return httpPort;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + httpPort + path;
    }

    public Path log() {
        return log;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** True when {@code /q/health/ready} answers 200. */
    public boolean isReady() {
        try {
            HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(URI.create(url("/q/health/ready")))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL, as a crashed or OOM-killed pod: nothing is flushed, committed or closed. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
