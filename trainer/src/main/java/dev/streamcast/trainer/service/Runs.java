package dev.streamcast.trainer.service;

import dev.streamcast.contracts.cli.Options;
import dev.streamcast.registry.client.RegisteredModel;
import dev.streamcast.registry.client.RegistryClient;
import dev.streamcast.registry.client.RegistryException;
import dev.streamcast.registry.client.TrainingRun;
import dev.streamcast.trainer.arch.TrainingProgress;
import dev.streamcast.trainer.cli.TrainCommand;
import dev.streamcast.trainer.data.CsvFormatException;
import dev.streamcast.trainer.eval.Comparison;
import dev.streamcast.trainer.training.DjlSetup;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The service's runs: one at a time, on a thread of their own. A trigger while a run is going starts nothing and is
 * told which run is going; a run can be cancelled (at its next epoch, or before its next architecture). A run reads
 * the history of {@code features}, trains the configured architectures with the baselines always among them, each
 * at the learning rate its validation split chooses, publishes every bundle with why the run ran, and points the
 * {@code challenger} alias at the lowest validation error (the {@code champion} alias when the model has none yet).
 */
@ApplicationScoped
public class Runs {

    private static final Logger LOG = Logger.getLogger(Runs.class);
    /** Options the service sets itself: not in {@code trainer.run.options}. */
    static final Set<String> OWN_OPTIONS = Set.of("--data", "--bootstrap-servers", "--name", "--out", "--publish", "--alias",
            "--token", "--token-file");

    private final TrainerServiceConfig config;
    private final String bootstrapServers;
    private final MeterRegistry meters;
    private final List<String> options;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "trainer-run");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong ids = new AtomicLong();
    private final RegistryClient reports;
    private final Instance<LiveScores> live; // looked up when a run ends: LiveScores starts runs itself
    private boolean numbered;          // ids continue after the registry's latest run of the model
    private volatile long lastReport;  // when progress was last reported
    private final Deque<Run> finished = new ArrayDeque<>();
    private Run current;

    Runs(TrainerServiceConfig config, @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "127.0.0.1:9092")
            String bootstrapServers, MeterRegistry meters, Instance<LiveScores> live) {
        this.live = live;
        DjlSetup.configure();
        this.config = config;
        this.bootstrapServers = bootstrapServers;
        this.meters = meters;
        this.options = options(config.run().options(), config.run().baselines());
        this.reports = registry(config).requestTimeout(Duration.ofSeconds(5)).maxAttempts(1).build();
        meters.gauge("trainer_run_active", this, r -> r.current().isPresent() ? 1 : 0);
        for (Run.Trigger trigger : Run.Trigger.values()) {
            for (Run.State state : Run.State.values()) {
                if (state != Run.State.RUNNING) {
                    counter(trigger, state); // at zero from the start, so rates and alerts see the series
                }
            }
        }
    }

    /**
     * {@code trainer.run.options} as arguments, the baselines added to {@code --arch}; refuses an option the service
     * sets itself, or one the command does not know, naming it.
     */
    static List<String> options(String configured, List<String> baselines) {
        List<String> args = new ArrayList<>(Arrays.asList(configured.strip().split("\\s+")));
        args.removeIf(String::isEmpty);
        for (String a : args) {
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a; // --out=/x names --out as well
            if (OWN_OPTIONS.contains(name)) {
                throw new IllegalArgumentException("trainer.run.options: " + name + " is set by the service itself; remove it");
            }
        }
        int arch = args.indexOf("--arch");
        Set<String> names = new LinkedHashSet<>();
        if (arch >= 0 && arch + 1 < args.size()) {
            names.addAll(Arrays.asList(args.get(arch + 1).split(",")));
        } else if (arch < 0) {
            names.add("dlinear");
            args.add("--arch");
            args.add("");
            arch = args.size() - 2;
        }
        names.addAll(baselines); // after the learned ones
        if (arch + 1 < args.size()) {
            args.set(arch + 1, String.join(",", names));
        }
        if (!args.contains("--select-on")) { // a live stream: choose by how the latest data behave (after a drift, too)
            args.add("--select-on");
            args.add("latest");
        }
        try {
            Options.parse(args.toArray(String[]::new), TrainCommand.OPTIONS, "trainer.run.options");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("trainer.run.options: " + e.getMessage(), e);
        }
        return List.copyOf(args);
    }

    /** A client of the configured registry with its write token (the service's own calls: aliases, tags, manifests). */
    static RegistryClient.Builder registry(TrainerServiceConfig config) {
        RegistryClient.Builder builder = RegistryClient.builder(config.registry().url());
        config.registry().tokenFile().filter(f -> !f.isBlank()).ifPresent(f -> builder.token(TrainCommand.readToken(f)));
        return builder;
    }

    /** What a trigger got: the run it started, or the one already going ({@code started} false). */
    public record Submission(Run run, boolean started) {
    }

    /** Starts a run for {@code trigger}, unless one is going. */
    public synchronized Submission submit(Run.Trigger trigger, String reason) {
        if (current != null) {
            LOG.infof("%s trigger (%s) while run %d is going: not started", trigger, reason, current.id());
            return new Submission(current, false);
        }
        number();
        Run run = new Run(ids.incrementAndGet(), trigger, reason, System.currentTimeMillis());
        current = run;
        LOG.infof("run %d starts: %s (%s)", run.id(), trigger, reason);
        worker.submit(() -> execute(run));
        return new Submission(run, true);
    }

    /**
     * The first time it can: continues the ids after the newest run the registry has of the model, so that a
     * restarted service does not report its run 1 over an earlier one's.
     */
    private void number() {
        if (numbered) {
            return;
        }
        try {
            reports.runs(config.model(), 1).stream().findFirst().ifPresent(latest -> ids.set(Math.max(ids.get(), latest.id())));
            numbered = true;
        } catch (RuntimeException e) {
            LOG.warnf("the registry's runs of %s could not be read (%s): run ids go on from %d", config.model(), e.getMessage(),
                    ids.get() + 1);
        }
    }

    /** How many runs have started: a trigger counting "since the last run" compares it. */
    public long started() {
        return ids.get();
    }

    /**
     * Reports {@code run} to the registry (its page shows runs from there); a report that fails is logged and the run
     * goes on. Progress is reported at most every 2 s, a start and an end always.
     */
    void report(Run run, boolean always) {
        long now = System.currentTimeMillis();
        if (!always && now - lastReport < 2_000) {
            return;
        }
        lastReport = now;
        Object version = run.result("version");
        try {
            reports.putRun(config.model(), run.id(), TrainingRun.report(tag(run.trigger()), tag(run.state()),
                    cut(run.reason(), 1000), cut(run.lastProgress(), 1000), cut(run.outcome(), 2000),
                    Instant.ofEpochMilli(run.startedAt()), run.endedAt() == 0 ? null : Instant.ofEpochMilli(run.endedAt()),
                    (String) run.result("winner"), version == null ? null : ((Number) version).longValue(),
                    (String) run.result("alias")));
        } catch (RuntimeException e) {
            LOG.warnf("run %d: the registry did not take its report: %s", run.id(), e.getMessage());
        }
    }

    /** {@code text} as the registry takes it: no control characters but line breaks and tabs, at most {@code max} characters. */
    static String cut(String text, int max) {
        if (text == null) {
            return null;
        }
        String clean = text.replaceAll("[\\p{Cntrl}&&[^\\n\\t]]", " ");
        return clean.length() <= max ? clean : clean.substring(0, max - 1) + "…";
    }

    public synchronized Optional<Run> current() {
        return Optional.ofNullable(current);
    }

    /** The going run, then the finished ones, newest first. */
    public synchronized List<Run> all() {
        List<Run> all = new ArrayList<>();
        if (current != null) {
            all.add(current);
        }
        all.addAll(finished);
        return all;
    }

    public synchronized Optional<Run> find(long id) {
        return all().stream().filter(r -> r.id() == id).findFirst();
    }

    /** Asks run {@code id} to stop; empty when there is no such run. */
    public Optional<Run> cancel(long id) {
        Optional<Run> run = find(id);
        run.filter(Run::running).ifPresent(r -> {
            r.requestCancel();
            LOG.infof("run %d: cancel requested", id);
        });
        return run;
    }

    @PreDestroy
    void stop() {
        current().ifPresent(Run::requestCancel);
        worker.shutdownNow();
    }

    private void execute(Run run) {
        Timer.Sample sample = Timer.start(meters);
        report(run, true);
        try {
            train(run);
        } catch (CancellationException e) {
            run.end(Run.State.CANCELLED, "cancelled: " + e.getMessage(), System.currentTimeMillis());
        } catch (IllegalArgumentException | CsvFormatException e) {
            // the data or the options do not allow a run: nothing was published
            run.end(Run.State.REFUSED, e.getMessage(), System.currentTimeMillis());
        } catch (RegistryException e) {
            run.end(Run.State.FAILED, "the registry: " + e.getMessage(), System.currentTimeMillis());
        } catch (Exception | Error e) {
            LOG.errorf(e, "run %d failed", run.id());
            run.end(Run.State.FAILED, e.toString(), System.currentTimeMillis());
        } finally {
            sample.stop(meters.timer("trainer_run_seconds", "trigger", tag(run.trigger())));
            counter(run.trigger(), run.state()).increment();
            LOG.infof("run %d %s: %s", run.id(), tag(run.state()), run.outcome());
            synchronized (this) {
                finished.addFirst(run);
                while (finished.size() > Math.max(1, config.run().history())) {
                    finished.removeLast();
                }
                current = null;
            }
            report(run, true);
        }
    }

    private io.micrometer.core.instrument.Counter counter(Run.Trigger trigger, Run.State state) {
        return meters.counter("trainer_runs_total", "trigger", tag(trigger), "outcome", tag(state));
    }

    static String tag(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    /** The command's options for run {@code run}: the service's own, then the configured ones. */
    List<String> arguments(Run run) {
        List<String> args = new ArrayList<>(List.of("--data", "kafka:features", "--bootstrap-servers", bootstrapServers,
                "--name", config.model(), "--out", Path.of(config.run().out(), "run-" + run.id()).toString(),
                "--publish", config.registry().url()));
        config.registry().tokenFile().filter(f -> !f.isBlank()).ifPresent(f -> args.addAll(List.of("--token-file", f)));
        args.addAll(options);
        return args;
    }

    private void train(Run run) throws Exception {
        Options o = Options.parse(arguments(run).toArray(String[]::new), TrainCommand.OPTIONS, "trainer-service");
        PrintStream out = new PrintStream(new Lines(line -> {
            run.log(line);
            report(run, false);
            LOG.debugf("run %d: %s", run.id(), line);
        }), true, StandardCharsets.UTF_8);
        TrainingProgress progress = new TrainingProgress() {
            @Override
            public void epoch(String arch, int epoch, int max, double train, double val, double seconds) {
                run.log(String.format(Locale.ROOT, "%s epoch %d/%d loss %.4f val %.4f %.1f s", arch, epoch, max, train, val, seconds));
                report(run, false);
                stopIfCancelled(run);
            }

            @Override
            public void choice(String arch, float rate, double val) {
                run.log(String.format(Locale.ROOT, "%s learning rate %.0e: validation mse %.4f", arch, rate, val));
                stopIfCancelled(run);
            }
        };
        TrainCommand.Result result = TrainCommand.train(o, out, progress,
                "run " + run.id() + ", trigger " + tag(run.trigger()) + ": " + run.reason());
        out.flush();
        run.compared(result.rows());
        run.result("dataSource", result.data().source());
        var range = result.data().trainingData();
        run.result("dataFrom", range.from());
        run.result("dataTo", range.to());
        run.result("published", result.published());
        stopIfCancelled(run);

        Comparison.Row best = result.champion();
        long version = result.published().get(best.arch());
        RegistryClient registry = result.registry();
        RegisteredModel model = registry.model(config.model());
        run.result("winner", best.arch());
        String alias = model.aliases().containsKey("champion") ? "challenger" : "champion";
        Long challenger = model.aliases().get("challenger");
        Optional<String> kept = keepsChallenger(run.trigger(), alias, challenger == null || !live.isResolvable() ? Optional.empty()
                : live.get().undecided(config.model() + "@" + challenger));
        if (kept.isPresent()) {
            run.result("version", version);
            run.end(Run.State.SUCCEEDED, String.format(Locale.ROOT, "%s@%d (%s, validation mse %.4f, test mse %.4f) published"
                    + " without an alias: the challenger %s keeps it until decided", config.model(), version, best.arch(),
                    best.valMse(), best.mse(), kept.get()), System.currentTimeMillis());
            return;
        }
        registry.setAlias(config.model(), alias, version);
        run.result("alias", alias);
        run.result("version", version);
        run.end(Run.State.SUCCEEDED, String.format(Locale.ROOT, "%s@%d (%s, validation mse %.4f, test mse %.4f) is now %s",
                config.model(), version, best.arch(), best.valMse(), best.mse(), alias), System.currentTimeMillis());
    }

    /**
     * Whether a run's winner leaves the {@code challenger} alias where it is: a scheduled or new-history run does not
     * take it from a challenger that is being compared live and has no decision yet (else a schedule shorter than a
     * comparison would restart it again and again, and nothing would ever be promoted); a drift or a person's request
     * does. Present: the challenger kept, as {@code undecided} says it.
     */
    static Optional<String> keepsChallenger(Run.Trigger trigger, String alias, Optional<String> undecided) {
        boolean routine = trigger == Run.Trigger.SCHEDULE || trigger == Run.Trigger.HISTORY;
        return routine && alias.equals("challenger") ? undecided : Optional.empty();
    }

    private static void stopIfCancelled(Run run) {
        if (run.cancelRequested()) {
            throw new CancellationException("run " + run.id() + " was cancelled");
        }
    }

    /** An output stream handing on each line written to it. */
    private static final class Lines extends OutputStream {
        private final java.util.function.Consumer<String> sink;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        Lines(java.util.function.Consumer<String> sink) {
            this.sink = sink;
        }

        @Override
        public void write(int b) {
            if (b == '\n') {
                sink.accept(line.toString(StandardCharsets.UTF_8));
                line.reset();
            } else {
                line.write(b);
            }
        }
    }
}
