package dev.streamcast.launcher;

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
import java.util.concurrent.TimeUnit;

/**
 * One streamcast service (a Quarkus application) run as a child JVM by the quickstart: its
 * output goes to a log file, readiness is its {@code /q/health/ready}, and stopping it sends
 * SIGTERM (a clean Kafka Streams shutdown) before SIGKILL.
 */
final class ServiceProcess implements AutoCloseable {

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

    /** Starts {@code java [jvmArgs] -jar jar} with the HTTP port set, logging to {@code log}. */
    static ServiceProcess start(String name, Path jar, int httpPort, List<String> properties, Path log) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-XX:+UseSerialGC", "-Dquarkus.http.port=" + httpPort));
        properties.forEach(p -> command.add("-D" + p));
        command.add("-jar");
        command.add(jar.toString());
        Files.createDirectories(log.getParent());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new ServiceProcess(name, httpPort, process, log);
    }

    String name() {
        return name;
    }

    int port() {
        return httpPort;
    }

    String url(String path) {
        return "http://127.0.0.1:" + httpPort + path;
    }

    Path log() {
        return log;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** True when {@code /q/health/ready} answers 200. */
    boolean isReady() {
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
