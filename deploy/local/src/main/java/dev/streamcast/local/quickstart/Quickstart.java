package dev.streamcast.local.quickstart;

import dev.streamcast.contracts.cli.Options;
import dev.streamcast.contracts.topics.TopicSpec;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.local.broker.LocalBroker;
import dev.streamcast.local.broker.PortInUseException;
import dev.streamcast.local.broker.Ports;
import dev.streamcast.local.demo.DemoGenerator;
import dev.streamcast.local.demo.DemoSignals;
import dev.streamcast.local.process.Service;
import dev.streamcast.local.process.ServiceProcess;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./streamcast quickstart}: the whole system on one machine. A real local broker with
 * every topic, the services built so far, and the demo generator streaming live sensor and
 * text records. {@code --exit-after N} stops everything after N seconds and prints a summary
 * whose last line is {@code <topic>=<count>} for every topic.
 */
public final class Quickstart {

    /** What a run did: the committed records per topic and when things became ready. */
    /** {@code retrains} and {@code promotions} are -1 when the trainer service did not run. */
    public record Summary(Map<String, Long> counts, long brokerStartMillis, long firstRecordMillis,
                          long sensorSent, long textSent, Exception generatorError, long retrains, long promotions) {
    }

    static final Map<String, String> OPTIONS = DemoGenerator.optionDefaults(Map.ofEntries(
            Map.entry("--exit-after", "0"),
            Map.entry("--port", String.valueOf(LocalBroker.Settings.DEFAULT_PORT)),
            Map.entry("--controller-port", String.valueOf(LocalBroker.Settings.DEFAULT_CONTROLLER_PORT)),
            Map.entry("--host", "127.0.0.1"),
            Map.entry("--data-dir", ".streamcast/quickstart"),
            Map.entry("--keep-data", "false"),
            Map.entry("--status-every-s", "10"),
            Map.entry("--window", "PT10S"),
            Map.entry("--grace", "PT2S"),
            Map.entry("--ingest-port", "8081"),
            Map.entry("--registry-port", "8082"),
            Map.entry("--forecaster-port", "8083"),
            Map.entry("--trainer-port", "8084"),
            Map.entry("--train", "true"),
            Map.entry("--drift-at", "0"),
            Map.entry("--retrain-every", "3m"),
            Map.entry("--model", "fleet"),
            // no cooling faults by default: the drift --drift-at injects is what the trainer is to react to here
            // (bench covariates shows what the faults' text is worth); --faults-per-hour 1 turns them on
            Map.entry("--faults-per-hour", "0")));

    /** What the trainer service's runs train: the first training run's options (see FirstTraining). */
    static final String TRAINING_OPTIONS = "--mode S --target oil_c.mean --arch dlinear,gru --lookback 24 --horizon 12"
            + " --epochs 5 --hidden 16 --layers 1 --season 24 --trend-kernel 5 --quantiles 0.1,0.9 --history PT30M --refit true";

    /** History the first training run needs before it starts: feature vectors per entity. */
    static final int TRAINING_VECTORS_PER_ENTITY = 240;

    static final Path LOGS = Path.of(".streamcast", "logs");

    private final Options options;
    private final PrintStream out;
    private final long t0;
    private final CountDownLatch stop = new CountDownLatch(1);

    Quickstart(Options options, PrintStream out, long t0) {
        this.options = options;
        this.out = out;
        this.t0 = t0;
    }

    /** Asks a running {@link #run()} to stop as if its time were up. */
    void requestStop() {
        stop.countDown();
    }

    Summary run() throws Exception {
        // every option is checked before anything starts
        long exitAfter = options.getLong("--exit-after", 0, Long.MAX_VALUE / 1000);
        long statusEvery = options.getLong("--status-every-s", 1, 3600) * 1000;
        DemoGenerator.Settings generatorSettings = DemoGenerator.settingsFrom(options);
        long driftAt = options.getLong("--drift-at", 0, Long.MAX_VALUE / 1000);
        String retrainEvery = options.get("--retrain-every").strip();
        boolean train = Boolean.parseBoolean(options.get("--train")) && Service.INGEST.built() && Service.REGISTRY.built();
        if (train && !options.given("--backfill-hours")) { // an hour of history for the first training run
            DemoGenerator.Settings g = generatorSettings;
            generatorSettings = new DemoGenerator.Settings(g.entities(), g.interval(), g.speed(), Duration.ofHours(1), g.seed(),
                    g.anomalyProbability(), g.noteProbability(), g.faultsPerHour());
        }
        String model = options.get("--model");
        String host = options.get("--host");
        int port = choosePort(host, "--port");
        int controllerPort = choosePort(host, "--controller-port");
        Path dataDir = Path.of(options.get("--data-dir"));
        if (!Boolean.parseBoolean(options.get("--keep-data"))) {
            deleteRecursively(dataDir); // every quickstart starts from empty topics, so its counts are its own
        }

        boolean trainerService = train && Service.TRAINER_SERVICE.built() && Service.FORECASTER.built();
        long retrains = -1;
        long promotions = -1;
        say("starting a local Kafka broker on %s:%d (data in %s)", host, port, dataDir);
        try (LocalBroker broker = LocalBroker.start(new LocalBroker.Settings(dataDir, host, port, controllerPort))) {
            say("broker ready in %.1f s; topics: %s", broker.startMillis() / 1000.0,
                    Topics.ALL.stream().map(TopicSpec::name).toList());

            List<ServiceProcess> services = new ArrayList<>();
            DemoGenerator generator = new DemoGenerator(broker.bootstrapServers(), generatorSettings);
            if (driftAt > 0) {
                // from the command's start: the generator starts a moment later
                generator.driftAfter(Duration.ofMillis(Math.max(0, t0 + driftAt * 1000 - System.currentTimeMillis())));
            }
            Thread generatorThread = new Thread(generator, "demo-generator");
            try {
                if (Service.INGEST.built()) {
                    int ingestPort = choosePort(host, "--ingest-port");
                    services.add(ServiceProcess.start(Service.INGEST, ingestPort, List.of(
                            "kafka.bootstrap.servers=" + broker.bootstrapServers(),
                            "ingest.window.size=" + options.get("--window"),
                            "ingest.window.grace=" + options.get("--grace"),
                            "streamcast.state-dir=" + dataDir.resolve("state")), LOGS.resolve("ingest.log")));
                    say("starting ingest (windows of %s, grace %s; log %s)", options.get("--window"), options.get("--grace"),
                            LOGS.resolve("ingest.log"));
                } else {
                    say("ingest is not built (%s missing): streaming raw records only", Service.INGEST.application());
                }
                int registryPort = -1;
                // chosen now, so that the registry's page can link to the forecaster's live page
                int forecasterPort = Service.FORECASTER.built() ? choosePort(host, "--forecaster-port") : -1;
                if (Service.REGISTRY.built()) {
                    registryPort = choosePort("127.0.0.1", "--registry-port");
                    Path registryData = dataDir.resolve("registry").toAbsolutePath();
                    // reads open, so that the page and the forecaster need no token; the registry listens
                    // on loopback only (its default, whatever --host says), and writes need the write token
                    services.add(ServiceProcess.start(Service.REGISTRY, registryPort, List.of(
                            "kafka.bootstrap.servers=" + broker.bootstrapServers(),
                            "registry.data-dir=" + registryData,
                            "registry.auth.read-open=true", forecasterPort > 0 ? "registry.ui.live-page-url=http://"
                                    + (host.equals("0.0.0.0") ? "127.0.0.1" : host) + ":" + forecasterPort + "/" : "registry.ui.live-page-url="),
                            LOGS.resolve("registry.log")));
                    say("starting the model registry on 127.0.0.1 (data in %s; log %s); reads are open for the quickstart"
                            + " (registry.auth.read-open=true), writes need the token in %s", registryData,
                            LOGS.resolve("registry.log"), registryData.resolve("write-token"));
                } else {
                    say("the model registry is not built (%s missing)", Service.REGISTRY.application());
                }
                String registryUrl = "http://127.0.0.1:" + registryPort;
                if (Service.FORECASTER.built() && Service.REGISTRY.built()) {
                    services.add(ServiceProcess.start(Service.FORECASTER, forecasterPort, List.of(
                            "kafka.bootstrap.servers=" + broker.bootstrapServers(),
                            "forecaster.registry.url=" + registryUrl,
                            "forecaster.model.name=" + model,
                            "forecaster.model.cache-dir=" + dataDir.resolve("forecaster-bundles").toAbsolutePath(),
                            // the challenger a retraining publishes runs beside the champion, on forecasts-shadow
                            "forecaster.shadow.enabled=" + trainerService,
                            "streamcast.state-dir=" + dataDir.resolve("state")), LOGS.resolve("forecaster.log")));
                    say("starting the forecaster (serves %s@champion once it exists%s; log %s)", model,
                            trainerService ? ", and shadows " + model + "@challenger" : "", LOGS.resolve("forecaster.log"));
                } else {
                    say("the forecaster is not built (%s missing)", Service.FORECASTER.application());
                }
                Path writeToken = dataDir.resolve("registry").resolve("write-token").toAbsolutePath();
                FirstTraining training = train && !trainerService ? new FirstTraining(broker.bootstrapServers(), registryUrl,
                        writeToken, model, dataDir.resolve("models"), out) : null;
                ServiceProcess trainer = null;
                boolean trainerStarted = false;
                ForecastPrinter printer = new ForecastPrinter(broker.bootstrapServers(), out);
                printer.start();

                generatorThread.start();
                say("demo generator: %d transformers, channels %s, a reading every %d ms of simulated time",
                        generatorSettings.entities(), DemoSignals.CHANNELS, generatorSettings.interval().toMillis());
                say("read the streams with any Kafka client at %s (topics %s, %s)", broker.bootstrapServers(),
                        Topics.SENSOR_READINGS.name(), Topics.TEXT_EVENTS.name());
                say(exitAfter > 0 ? "running for " + exitAfter + " s" : "running until Ctrl-C");

                long deadline = exitAfter > 0 ? System.currentTimeMillis() + exitAfter * 1000 : Long.MAX_VALUE;
                boolean firstReported = false;
                List<ServiceProcess> waiting = new ArrayList<>(services);
                long nextStatus = System.currentTimeMillis() + statusEvery;
                while (System.currentTimeMillis() < deadline && generator.error() == null
                        && !stop.await(Math.min(200, Math.max(1, deadline - System.currentTimeMillis())), TimeUnit.MILLISECONDS)) {
                    if (!firstReported && generator.firstAckMillis() > 0) {
                        firstReported = true;
                        say("first record acknowledged %.1f s after the command started", (generator.firstAckMillis() - t0) / 1000.0);
                    }
                    for (ServiceProcess service : List.copyOf(waiting)) {
                        if (service.isReady()) {
                            waiting.remove(service);
                            say("%s ready %.1f s after the command started: %s (metrics %s)", service.name(),
                                    (System.currentTimeMillis() - t0) / 1000.0, service.url("/q/health/ready"),
                                    service.url("/q/metrics"));
                            if (service.name().equals("registry")) {
                                say("model registry: %s (API %s; reads open, write token in %s)", service.url("/"),
                                        service.url("/api/models"), dataDir.resolve("registry").resolve("write-token"));
                            }
                            if (service.name().equals("forecaster")) {
                                say("live forecasts: %s", service.url("/"));
                            }
                            if (service.name().equals("trainer-service")) {
                                say("trainer runs: %s, live comparison: %s", service.url("/api/runs"), service.url("/api/live"));
                            }
                        } else if (!service.isAlive()) {
                            waiting.remove(service);
                            say("%s exited; see %s", service.name(), service.log());
                        }
                    }
                    boolean trainingDue = training != null ? !training.started() : trainerService && !trainerStarted;
                    if (trainingDue && generator.live() && waiting.stream()
                            .noneMatch(service -> service.name().equals("registry") || service.name().equals("ingest"))) {
                        long vectors = TopicCounts.count(broker.bootstrapServers(), List.of(Topics.FEATURES), Duration.ofSeconds(10))
                                .getOrDefault(Topics.FEATURES.name(), 0L);
                        if (vectors >= (long) TRAINING_VECTORS_PER_ENTITY * generatorSettings.entities()) {
                            if (training != null) {
                                say("first training run on %d feature vectors of history: dlinear and gru, published as %s@champion"
                                        + " (log %s)", vectors, model, LOGS.resolve("train.log"));
                                training.start();
                            } else {
                                trainer = ServiceProcess.start(Service.TRAINER_SERVICE, choosePort("127.0.0.1", "--trainer-port"),
                                        List.of("-Dai.djl.offline=true"), List.of(
                                        "kafka.bootstrap.servers=" + broker.bootstrapServers(),
                                        "trainer.registry.url=" + registryUrl, "trainer.registry.token-file=" + writeToken,
                                        "trainer.auth.token-file=" + writeToken, "trainer.model=" + model,
                                        "trainer.run.out=" + dataDir.resolve("trainer-runs").toAbsolutePath(),
                                        "trainer.schedule.every=" + retrainEvery, "trainer.run.options=" + TRAINING_OPTIONS),
                                        Map.of(), LOGS.resolve("trainer.log"));
                                services.add(trainer);
                                waiting.add(trainer);
                                trainerStarted = true;
                                say("starting the trainer service on %d feature vectors of history: its first run trains dlinear and"
                                        + " gru with the baselines and publishes the best as %s@champion; it retrains every %s%s"
                                        + " (log %s)", vectors, model, retrainEvery, " and on drift", LOGS.resolve("trainer.log"));
                            }
                        }
                    }
                    if (System.currentTimeMillis() >= nextStatus) {
                        nextStatus += statusEvery;
                        say("sent %s=%d %s=%d; forecasts seen %d", Topics.SENSOR_READINGS.name(), generator.sensorAcked(),
                                Topics.TEXT_EVENTS.name(), generator.textAcked(), printer.seen());
                    }
                }
                if (trainer != null && trainer.isAlive()) {
                    TrainerCounts trainerCounts = TrainerCounts.read(trainer);
                    retrains = trainerCounts.retrains();
                    promotions = trainerCounts.promotions();
                }
                say("stopping");
                printer.close();
                if (training != null) {
                    training.close();
                }
            } finally {
                if (generatorThread.isAlive()) {
                    // until every record sent is acknowledged (or its delivery times out, 2 minutes at most): the
                    // summary compares what was acknowledged with what the topics hold, so it must not count early
                    generator.stop(Duration.ofMinutes(3));
                    generatorThread.join(10_000);
                }
                services.forEach(ServiceProcess::close); // SIGTERM: each commits and leaves cleanly
            }
            Map<String, Long> counts = TopicCounts.count(broker.bootstrapServers(), Topics.ALL, Duration.ofSeconds(60));
            long firstMillis = generator.firstAckMillis() == 0 ? -1 : generator.firstAckMillis() - t0;
            return new Summary(counts, broker.startMillis(), firstMillis, generator.sensorAcked(), generator.textAcked(),
                    generator.error(), retrains, promotions);
        }
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args, OPTIONS, "quickstart");
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Quickstart quickstart = new Quickstart(options, System.out, launcherStartMillis());
        CountDownLatch finished = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            quickstart.requestStop();
            try {
                finished.await(60, TimeUnit.SECONDS); // let run() stop the generator and the broker cleanly
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "quickstart-shutdown"));
        Summary summary;
        try {
            summary = quickstart.run();
        } catch (PortInUseException | IllegalArgumentException e) {
            System.err.println("streamcast quickstart: " + e.getMessage());
            finished.countDown();
            System.exit(2);
            return;
        } catch (Exception | Error e) {
            finished.countDown();
            throw e;
        }
        System.out.printf("streamcast quickstart: done in %.0f s; broker started in %.1f s, first record %.1f s after the"
                        + " command started; broker, services and generator stopped%n",
                (System.currentTimeMillis() - quickstart.t0) / 1000.0, summary.brokerStartMillis() / 1000.0,
                summary.firstRecordMillis() / 1000.0);
        System.out.println(TopicCounts.line(summary.counts()) + (summary.retrains() < 0 ? ""
                : " retrains=" + summary.retrains() + " promotions=" + summary.promotions()));
        finished.countDown();
        if (summary.generatorError() != null) {
            System.err.println("streamcast quickstart: the generator failed: " + summary.generatorError());
            System.exit(1);
        }
        System.exit(0);
    }

    /** The requested port; when the default is taken and none was asked for, a free one instead. */
    private int choosePort(String host, String option) {
        int port = options.getInt(option);
        if (!options.given(option) && !Ports.isFree(host, port)) {
            int free = Ports.pickFree(host);
            say("port %d is taken, using %d instead (choose one with %s)", port, free, option);
            return free;
        }
        return port;
    }

    /** Deletes {@code dir} and everything under it; nothing when it does not exist. */
    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /** When the launcher script started (it passes STREAMCAST_T0_MS), else when this JVM started. */
    private static long launcherStartMillis() {
        String t0 = System.getenv("STREAMCAST_T0_MS");
        if (t0 != null && t0.matches("[0-9]{10,}")) {
            return Long.parseLong(t0);
        }
        return java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
    }

    private void say(String format, Object... args) {
        out.printf("streamcast quickstart: " + format + "%n", args);
    }
}
