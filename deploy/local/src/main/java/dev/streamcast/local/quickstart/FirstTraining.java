package dev.streamcast.local.quickstart;

import dev.streamcast.local.process.Service;
import dev.streamcast.registry.client.RegistryClient;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The quickstart's first training run: the trainer as a child JVM on the history of the
 * {@code features} topic, publishing every architecture to the registry and pointing
 * {@code champion} at the best, which the forecaster then loads from {@code model-events}.
 * Its output goes to {@code .streamcast/logs/train.log}; the comparison table and the publish
 * lines are echoed to the console.
 */
final class FirstTraining implements AutoCloseable {

    private final String bootstrapServers;
    private final String registryUrl;
    private final Path tokenFile;
    private final String model;
    private final Path out;
    private final PrintStream console;
    private volatile Process process;

    FirstTraining(String bootstrapServers, String registryUrl, Path tokenFile, String model, Path out, PrintStream console) {
        this.bootstrapServers = bootstrapServers;
        this.registryUrl = registryUrl;
        this.tokenFile = tokenFile;
        this.model = model;
        this.out = out;
        this.console = console;
    }

    boolean started() {
        return process != null;
    }

    void start() throws IOException {
        List<String> command = Service.TRAINER.command(List.of(), List.of(), List.of("--data", "kafka:features",
                "--bootstrap-servers", bootstrapServers, "--mode", "S", "--target", "oil_c.mean", "--arch", "dlinear,gru",
                "--lookback", "24", "--horizon", "12", "--epochs", "5", "--hidden", "16", "--layers", "1", "--season", "24",
                "--trend-kernel", "5", "--quantiles", "0.1,0.9", "--name", model, "--out", out.toString(), "--publish", registryUrl, "--alias", "champion"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (Files.isRegularFile(tokenFile)) {
            // the environment, not --token: a command line is visible to every user of the machine
            builder.environment().put(RegistryClient.TOKEN_ENV, Files.readString(tokenFile).strip());
        }
        Files.createDirectories(Quickstart.LOGS);
        Process started = builder.start();
        process = started;
        Thread echo = new Thread(() -> echo(started), "first-training-output");
        echo.setDaemon(true);
        echo.start();
    }

    private void echo(Process p) {
        boolean table = false;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter log = new PrintWriter(Files.newBufferedWriter(Quickstart.LOGS.resolve("train.log"), StandardCharsets.UTF_8), true)) {
            String line;
            while ((line = in.readLine()) != null) {
                log.println(line);
                table |= line.startsWith("architecture");
                if (table || line.contains("published") || line.contains("now points to") || line.startsWith("streamcast train:")) {
                    console.println("streamcast quickstart: train | " + line);
                }
            }
            int status = p.waitFor();
            if (status != 0) {
                console.println("streamcast quickstart: the first training run failed (exit " + status + "); see "
                        + Quickstart.LOGS.resolve("train.log"));
            }
        } catch (IOException e) {
            console.println("streamcast quickstart: the first training run's output was lost: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroy();
        }
    }
}
