package dev.streamcast.loadtest;

import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.local.process.Service;
import org.HdrHistogram.Histogram;
import org.apache.kafka.common.TopicPartition;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One invocation of {@code ./streamcast load-test}: the pipeline (ingest and forecaster) under
 * the scenario's load, then the identity pass-through under the same records on the same
 * broker, each at a fixed rate or searched for its highest passing rate.
 */
public final class LoadTest {

    /** Everything a run is configured with (see {@link LoadTestCommand} for the options). */
    public record Config(Scenario scenario, int entities, int channels, double textShare, double rate, double warmupS,
                         double durationS, boolean search, double searchStart, double searchMax, double searchPrecision,
                         double searchWarmupS, double searchDurationS, double p99TargetMs, double drainTimeoutS,
                         boolean baseline, Duration window, Duration grace, double burstFactor, double burstS,
                         SystemUnderTest.Settings system) {
    }

    /** The whole run, as written to {@code result.json}. */
    public record Result(Config config, Map<String, Phase> phases, Map<String, Object> summary, List<String> checks,
                         boolean passed) {
    }

    /** One phase: its trials (search steps first, the reported trial last), the search, and its time series. */
    public record Phase(String name, List<String> stages, List<TrialResult> trials, RateSearch.Result search,
                        List<StageSampler.Sample> samples) {
        public TrialResult reported() {
            return trials.get(trials.size() - 1);
        }
    }

    private final Config config;
    private final PrintStream out;
    private final Schedule schedule;
    private ScaleOutCheck.Result scaleOut;
    /** When the scale-out scenario SIGKILLed a forecaster (epoch ms), for the recovery time. */
    private volatile long killedAtMs;

    /**
     * The longest any forecasts partition may go without a forecast while instances come and go:
     * the session timeout (10 s) for a killed member, a JVM start and a state restore on this
     * shared two-core machine, with room.
     */
    static final double MAX_STALL_S = 90;

    public LoadTest(Config config, PrintStream out) {
        this.config = config;
        this.out = out;
        long eventStart = Math.floorDiv(System.currentTimeMillis() - Duration.ofDays(1000).toMillis(), config.window().toMillis())
                * config.window().toMillis();
        this.schedule = new Schedule(config.entities(), config.channels(), config.textShare(), config.window(), config.grace(),
                eventStart, config.system().partitions());
    }

    public Schedule schedule() {
        return schedule;
    }

    public Result run() throws Exception {
        Map<String, Phase> phases = new LinkedHashMap<>();
        List<String> checks = new ArrayList<>();
        try (SystemUnderTest system = SystemUnderTest.start(SystemUnderTest.Build.locate(), config.system(), out)) {
            system.trainModel(1, 42);
            if (config.scenario() == Scenario.HOT_SWAP) {
                system.trainModel(2, 7);
            }
            if (config.scenario() == Scenario.SCALE_OUT) {
                system.startPipeline(2, 2);
            } else {
                system.startPipeline();
            }
            phases.put("pipeline", phase(system, true, checks));
            system.stopPipeline();
            if (config.scenario() == Scenario.SCALE_OUT) {
                scaleOut = ScaleOutCheck.verify(system, schedule, out, killedAtMs);
                checks.addAll(scaleOut.checks(MAX_STALL_S));
            }
            if (config.baseline()) {
                system.startPassThrough();
                phases.put("passthrough", phase(system, false, checks));
                system.stopPassThrough();
            }
            Map<TopicPartition, Long> deleted = SystemUnderTest.deletedRecords(system.admin(), system.runTopics());
            Map<String, Long> refused = SystemUnderTest.refused(system.bootstrapServers());
            checks.add(refused.isEmpty() ? "PASS services: refused no record (ingest-dlq and forecaster-dlq empty)"
                    : "FAIL services: refused valid records to the DLQ (topic and dlq.reason): " + refused);
            checks.add(deleted.isEmpty() ? "PASS broker: deleted no record of the run's topics"
                    : "FAIL broker: deleted records before the end of the run (first offset still held, per partition): " + deleted);
        }
        if (!config.search() && phases.containsKey("passthrough")) {
            checks.add(VS_PASSTHROUGH_NEEDS_SEARCH);
        }
        Map<String, Object> summary = summary(config.search(), phases);
        if (scaleOut != null) {
            summary.putAll(scaleOut.summary());
        }
        boolean passed = checks.stream().noneMatch(c -> c.startsWith("FAIL"));
        return new Result(config, phases, summary, checks, passed);
    }

    private Phase phase(SystemUnderTest system, boolean pipeline, List<String> checks) throws Exception {
        String name = pipeline ? "pipeline" : "passthrough";
        OutputCollector.Kind kind = pipeline ? OutputCollector.Kind.FORECAST : OutputCollector.Kind.COPY;
        String outTopic = pipeline ? Topics.FORECASTS.name() : PassThroughApp.OUTPUT;
        List<StageSampler.Stage> stages = pipeline
                ? List.of(new StageSampler.Stage("ingest", SystemUnderTest.INGEST_GROUP,
                        SystemUnderTest.partitions(system.topic(Topics.SENSOR_READINGS), system.topic(Topics.TEXT_EVENTS)),
                        system::ingestMetricsUrl,
                        "ingest_active_entities"),
                new StageSampler.Stage("forecaster", SystemUnderTest.FORECASTER_GROUP, SystemUnderTest.partitions(system.topic(Topics.FEATURES)),
                        system::forecasterMetricsUrl, "forecaster_entities{slot=\"served\"}"))
                : List.of(new StageSampler.Stage("passthrough", PassThroughApp.APPLICATION_ID,
                SystemUnderTest.partitions(system.topic(Topics.SENSOR_READINGS), system.topic(Topics.TEXT_EVENTS)), () -> null,
                null));
        List<TrialResult> trials = new ArrayList<>();
        try (LoadGenerator generator = new LoadGenerator(system.bootstrapServers(), schedule);
             OutputCollector collector = new OutputCollector(system.bootstrapServers(), outTopic, config.system().partitions(), kind,
                     schedule)) {
            Runner runner = new Runner(system, pipeline, generator, collector);
            try (StageSampler sampler = new StageSampler(system.admin(), stages,
                    () -> new long[]{runner.acked(), collector.counted()}, collector)) {
                runner.sampler = sampler;
                RateSearch.Result search = null;
                double rate = config.rate();
                if (config.search()) {
                    // a fresh JVM and broker are slower for their first seconds: one trial warms them before any counts
                    trials.add(runner.trial("warm-up", RateProfile.constant(config.searchStart()), searchWarmup(config.searchStart()),
                            5, false));
                    out.printf("load-test: %s: searching the highest rate that keeps up with p99 <= %.0f ms%n", name, config.p99TargetMs());
                    boolean[] keepUpOnly = {false};
                    int before = trials.size();
                    search = RateSearch.search(config.searchStart(), Math.max(1, config.searchStart() / 64), config.searchMax(),
                            config.searchPrecision(), r -> {
                                TrialResult t = runner.trial(keepUpOnly[0] ? "search-keep-up" : "search", RateProfile.constant(r),
                                        searchWarmup(r), Math.max(config.searchDurationS(), rounds(2, r)), false);
                                trials.add(t);
                                if (trials.size() == before + 1 && t.keptUp() && !t.withinTarget()) {
                                    // the target is out of reach where the system still keeps up with ease: search the rate it keeps up with
                                    keepUpOnly[0] = true;
                                    out.printf("load-test: %s: p99 %.0f ms > %.0f ms already at %.0f records/s; searching the highest"
                                            + " rate that keeps up%n", name, t.latency().p99(), config.p99TargetMs(), r);
                                    checks.add(String.format("NOTE %s: p99 %.1f ms over the %.0f ms target already at the start rate"
                                                    + " %.0f records/s, where it kept up; the highest rate is the highest that keeps up",
                                            name, t.latency().p99(), config.p99TargetMs(), r));
                                }
                                return keepUpOnly[0] ? t.keptUp() : t.passed();
                            });
                    rate = search.maxRate() / 2;
                    out.printf("load-test: %s: highest rate %.0f records/s; measuring at half of it, %.0f records/s%n", name,
                            search.maxRate(), rate);
                }
                if (rate > 0) {
                    // a new rate on a warm system: two rounds at it before measuring; at least two window closings measured
                    double warmup = config.search() ? Math.max(config.warmupS(), rounds(2, rate)) : config.warmupS();
                    double duration = Math.max(config.durationS(), rounds(2, rate));
                    trials.add(runner.trial("reported", profile(rate, warmup, duration), warmup, duration, pipeline));
                }
                TrialResult last = trials.isEmpty() ? null : trials.get(trials.size() - 1);
                if (last != null) {
                    check(checks, name, last);
                }
                return new Phase(name, stages.stream().map(StageSampler.Stage::name).toList(), trials, search, sampler.samples());
            }
        }
    }

    /** Seconds that {@code n} rounds of records take at {@code rate}. */
    private double rounds(double n, double rate) {
        return Math.ceil(n * schedule.recordsPerRound() / rate);
    }

    /**
     * How long after the last send every output must be out: as given, or one round at the rate
     * and at least 10 s. A round ends in a burst of one vector per entity; keeping up means that
     * burst is done before the next round's is due.
     */
    private double drainTimeout(double rate) {
        return Double.isNaN(config.drainTimeoutS()) ? Math.max(10, rounds(1, rate)) : config.drainTimeoutS();
    }

    /** A search trial's warm-up: as given, or two rounds at its rate and at least 10 s. */
    private double searchWarmup(double rate) {
        return Double.isNaN(config.searchWarmupS()) ? Math.max(10, rounds(2, rate)) : config.searchWarmupS();
    }

    /** The reported trial's profile: the burst, a third of the way into its measured interval, or constant. */
    private RateProfile profile(double rate, double warmupS, double durationS) {
        if (config.scenario() == Scenario.BURST) {
            return RateProfile.burst(rate, warmupS + durationS / 3, config.burstFactor(), config.burstS());
        }
        return RateProfile.constant(rate);
    }

    /** The exactly-once and throughput checks of the reported trial. */
    private void check(List<String> checks, String phase, TrialResult t) {
        boolean exact = t.duplicates() == 0 && t.gaps() == 0 && t.missing() == 0 && t.failedSends() == 0 && t.out() == t.expectedOut();
        checks.add((exact ? "PASS " : "FAIL ") + phase + ": counts in equal counts out: expected " + t.expectedOut() + ", got "
                + t.out() + " (" + t.duplicates() + " duplicates, " + t.gaps() + " gaps, " + t.missing() + " missing at the end, "
                + t.failedSends() + " failed sends)");
        checks.add((t.keptUp() ? "PASS " : "FAIL ") + phase + ": kept up at " + Math.round(t.rate()) + " records/s"
                + (t.problems().isEmpty() ? "" : " (" + String.join("; ", t.problems()) + ")"));
        if (config.scenario() == Scenario.HOT_SWAP && phase.equals("pipeline")) {
            boolean swapped = t.models().getOrDefault(SystemUnderTest.MODEL + "@2", 0L) > 0;
            checks.add((swapped ? "PASS " : "FAIL ") + "hot swap: forecasts per model " + t.models());
        }
    }

    /** The check line of a run without {@code --search}, which reports no {@code vs_passthrough}. */
    static final String VS_PASSTHROUGH_NEEDS_SEARCH = "NOTE vs_passthrough: not reported without --search: at one offered"
            + " rate both the pipeline and the pass-through keep up, so both throughputs are that rate and their ratio (about 1)"
            + " says nothing; --search compares the highest rate each keeps up with";

    /**
     * The headline figures. With {@code search}, {@code throughput} is the pipeline's highest rate and
     * {@code vs_passthrough} the ratio of the two highest rates; without, {@code throughput} is what the
     * reported trial consumed and {@code vs_passthrough} is NaN: throughputs at the same offered rate are
     * both that rate while both keep up, so their ratio compares nothing ({@code passthrough_throughput}
     * is still given).
     */
    static Map<String, Object> summary(boolean search, Map<String, Phase> phases) {
        Map<String, Object> s = new LinkedHashMap<>();
        Phase pipeline = phases.get("pipeline");
        Phase passthrough = phases.get("passthrough");
        TrialResult p = pipeline.trials().isEmpty() ? null : pipeline.reported();
        double throughput;
        double ratio = Double.NaN;
        if (search) {
            throughput = pipeline.search().maxRate();
            if (passthrough != null && passthrough.search() != null && passthrough.search().maxRate() > 0) {
                ratio = throughput / passthrough.search().maxRate();
                s.put("passthrough_max_rate", passthrough.search().maxRate());
            }
            s.put("max_rate", throughput);
        } else {
            throughput = p == null ? 0 : p.throughput();
            // no ratio: at one offered rate it is ~1 whenever both keep up, whatever either could sustain
            if (passthrough != null && !passthrough.trials().isEmpty()) {
                s.put("passthrough_throughput", passthrough.reported().throughput());
            }
        }
        s.put("throughput", throughput);
        s.put("vs_passthrough", ratio);
        if (p != null) {
            s.put("rate", p.rate());
            s.put("p50_ms", p.latency().p50());
            s.put("p99_ms", p.latency().p99());
            s.put("p999_ms", p.latency().p999());
        }
        if (passthrough != null && !passthrough.trials().isEmpty()) {
            s.put("passthrough_p99_ms", passthrough.reported().latency().p99());
        }
        return s;
    }

    /** Runs trials one after the other on one phase's system, continuing the schedule. */
    private final class Runner {
        private final SystemUnderTest system;
        private final boolean pipeline;
        private final LoadGenerator generator;
        private final OutputCollector collector;
        private StageSampler sampler;
        private long next;
        private long ackedBefore;
        private volatile LoadGenerator.Run current;

        Runner(SystemUnderTest system, boolean pipeline, LoadGenerator generator, OutputCollector collector) {
            this.system = system;
            this.pipeline = pipeline;
            this.generator = generator;
            this.collector = collector;
        }

        long acked() {
            LoadGenerator.Run run = current;
            return ackedBefore + (run == null ? 0 : run.acked());
        }

        /** Outputs the records [0, sent) must produce. */
        long expected(long sent) {
            return pipeline ? schedule.windowsClosedBy(sent) : sent;
        }

        TrialResult trial(String label, RateProfile profile, double warmupS, double durationS, boolean scenarioEvents)
                throws Exception {
            double seconds = warmupS + durationS;
            long outBefore = collector.counted();
            long expectedBefore = expected(next);
            long dupsBefore = collector.duplicates();
            long gapsBefore = collector.gaps();
            Map<String, Long> modelsBefore = collector.models();
            double t0 = sampler.now();
            LoadGenerator.Run run = generator.start(next, profile, seconds);
            current = run;
            long fromMicros = run.startEpochMicros() + (long) (warmupS * 1e6);
            long toMicros = fromMicros + (long) (durationS * 1e6);
            collector.measure(new OutputCollector.Measurement(run, fromMicros, toMicros));
            out.printf("load-test: %s %s: %.0f records/s for %.0f s (%.0f s warm-up), %d entities%n", pipeline ? "pipeline" : "passthrough",
                    label, profile.baseRate(), seconds, warmupS, schedule.entities());
            List<String> events = new ArrayList<>();
            if (scenarioEvents) {
                scenarioEvents(run, warmupS, durationS, events, t0);
            }
            if (!run.await((long) (seconds + 600), TimeUnit.SECONDS)) {
                run.stop();
                run.await(60, TimeUnit.SECONDS);
            }
            double loadEnd = sampler.now();
            next = run.end();
            current = null;
            ackedBefore += run.acked();
            long expected = expected(next) - expectedBefore;

            // drain: every expected output, or the timeout
            double drainStart = sampler.now();
            double drainSeconds = Double.NaN;
            double drainTimeout = drainTimeout(profile.baseRate());
            while (sampler.now() - drainStart < drainTimeout) {
                if (collector.counted() - outBefore >= expected) {
                    drainSeconds = sampler.now() - drainStart;
                    break;
                }
                Thread.sleep(20);
            }
            long missingAtTimeout = expected - Math.min(expected, collector.counted() - outBefore);
            double drainedAfter = Double.NaN; // when a late drain completed, for the problem's text
            if (Double.isNaN(drainSeconds)) { // recover before anything else runs, while outputs still come in
                long seen = collector.counted();
                long progressAt = System.nanoTime();
                while (collector.counted() - outBefore < expected && system.deadServices().isEmpty()
                        && System.nanoTime() - progressAt < TimeUnit.SECONDS.toNanos(30)) {
                    Thread.sleep(100);
                    if (collector.counted() != seen) {
                        seen = collector.counted();
                        progressAt = System.nanoTime();
                    }
                }
                if (collector.counted() - outBefore >= expected) {
                    drainedAfter = sampler.now() - drainStart;
                }
            }
            Histogram latency = collector.measuredLatency();
            TrialResult.Latency warmUp = TrialResult.Latency.of(collector.warmUpLatency());
            double measureFrom = t0 + warmupS;
            double measureTo = t0 + seconds;
            List<StageSampler.Sample> measured = sampler.between(measureFrom, measureTo);
            double throughput = throughput(measured);
            double lagGrowth = lagGrowth(measured);
            double sendDelayP99 = run.sendDelay().getValueAtPercentile(99) / 1000.0;
            long outputs = collector.counted() - outBefore;
            long dups = collector.duplicates() - dupsBefore;
            long gaps = collector.gaps() - gapsBefore;
            long missing = collector.missingAtEnd(e -> pipeline ? schedule.roundsClosedFor(e, next) : schedule.readingsSentFor(e, next));
            Map<String, Long> models = new java.util.TreeMap<>();
            collector.models().forEach((m, n) -> models.put(m, n - modelsBefore.getOrDefault(m, 0L)));

            List<String> problems = new ArrayList<>();
            if (Double.isNaN(drainSeconds)) {
                problems.add(String.format("outputs still missing %.0f s after the load stopped (%d of %d)%s", drainTimeout,
                        missingAtTimeout, expected, Double.isNaN(drainedAfter) ? ""
                                : String.format(Locale.ROOT, "; the last came %.1f s after it", drainedAfter)));
            }
            if (sendDelayP99 > 1000) {
                problems.add(String.format("the load generator fell behind its schedule (p99 send delay %.0f ms): the harness,"
                        + " not the system, was the limit", sendDelayP99));
            } else if (sendDelayP99 > 100) { // latency counts from the due time, so a late sender hides nothing; said, not failed
                events.add(String.format("the load generator was late (p99 send delay %.0f ms): the machine was saturated",
                        sendDelayP99));
            }
            double rate = profile.baseRate();
            boolean outage = pipeline && scenarioEvents
                    && (config.scenario() == Scenario.KILL_RESTART || config.scenario() == Scenario.SCALE_OUT);
            // with few rounds measured, lag follows the rounds' bursts and its trend is noise: the drain within one round decides
            boolean lagTrend = durationS >= rounds(5, rate);
            if (lagGrowth > 0.1 * rate) {
                if (outage || !lagTrend) { // the outage's backlog is the point; keeping up means draining it in time (above)
                    events.add(String.format("consumer lag grew by %.0f records/s over the measurement%s", lagGrowth,
                            outage ? " (the outage)" : " (fewer than 5 rounds measured: not a verdict)"));
                } else {
                    problems.add(String.format("consumer lag grew by %.0f records/s", lagGrowth));
                }
            }
            lagRecovery(profile, warmupS, durationS, t0, outage, problems, events);
            if (run.failed() > 0) {
                problems.add(run.failed() + " sends failed: " + run.firstError());
            }
            List<String> dead = system.deadServices();
            if (!dead.isEmpty()) {
                problems.add("died: " + dead);
            }
            boolean keptUp = problems.isEmpty();
            TrialResult.Latency summary = TrialResult.Latency.of(latency);
            boolean withinTarget = summary.count() > 0 && summary.p99() <= config.p99TargetMs();
            TrialResult result = new TrialResult(pipeline ? "pipeline" : "passthrough", label, rate, profile.segments().size() == 1
                    ? List.of() : profile.segments(), warmupS, durationS, run.sent(), run.failed(), expected, outputs, dups, gaps,
                    missing, models, summary, sendDelayP99, throughput, lagGrowth, drainSeconds, keptUp, withinTarget, problems,
                    TrialResult.percentiles(latency), events, t0, Math.max(loadEnd, sampler.now()), collector.measuredCloses(),
                    warmUp.p99(), collector.warmUpCloses());
            out.printf("load-test: %s %s: %.0f rec/s in, throughput %.0f rec/s, p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms"
                            + " (%d latencies), out %d of %d expected%s%s%n", result.phase(), label, rate, throughput, summary.p50(),
                    summary.p99(), summary.p999(), summary.count(), outputs, expected, keptUp ? ", kept up" : ", did NOT keep up: " + problems,
                    withinTarget ? "" : String.format(", p99 over %.0f ms", config.p99TargetMs()));
            String closes = WindowCloses.describe(result.closes(), 6);
            if (!closes.isEmpty()) {
                out.printf("load-test: %s %s: %s%n", result.phase(), label, closes);
            }
            if (warmUp.count() > 0) {
                String warmUpCloses = WindowCloses.describe(result.warmUpCloses(), 6);
                out.printf(Locale.ROOT, "load-test: %s %s: the warm-up, not measured: p99 %.1f ms (%d latencies)%s%n", result.phase(),
                        label, warmUp.p99(), warmUp.count(), warmUpCloses.isEmpty() ? "" : "; " + warmUpCloses);
            }
            if (!dead.isEmpty()) {
                throw new IllegalStateException("a service died during the run: " + dead);
            }
            return result;
        }

        private void scenarioEvents(LoadGenerator.Run run, double warmupS, double durationS, List<String> events, double t0)
                throws Exception {
            if (!pipeline) {
                return;
            }
            if (config.scenario() == Scenario.HOT_SWAP) {
                sleepUntil(t0 + warmupS + durationS / 3);
                system.moveChampion(2, 1);
                events.add(String.format("%.1f s: champion moved to %s@2 (ALIAS_MOVED on model-events)", sampler.now() - t0,
                        SystemUnderTest.MODEL));
            } else if (config.scenario() == Scenario.SCALE_OUT) {
                scaleOutEvents(t0 + warmupS, durationS, events, t0);
            } else if (config.scenario() == Scenario.KILL_RESTART) {
                sleepUntil(t0 + warmupS + durationS / 3);
                double at = sampler.now() - t0;
                Duration took = system.killAndRestartForecaster();
                events.add(String.format("%.1f s: forecaster killed with SIGKILL; restarted, ready %.1f s later", at,
                        took.toMillis() / 1000.0));
            }
        }

        /**
         * The scale-out choreography, spread over the measured interval: a third forecaster joins; the
         * first stops gracefully; the second is SIGKILLed and started again; every instance restarts
         * one at a time (graceful stop, start on its state directory, ready); it ends on one of each.
         */
        private void scaleOutEvents(double from, double durationS, List<String> events, double t0) throws Exception {
            Service f = Service.FORECASTER;
            Service i = Service.INGEST;
            double step = durationS / 5;
            sleepUntil(from);
            int third = system.addInstance(f);
            event(events, t0, "forecaster " + third + " added: " + running());
            sleepUntil(from + step);
            system.stopInstance(f, 1);
            event(events, t0, "forecaster 1 stopped gracefully (SIGTERM, leaves the group): " + running());
            sleepUntil(from + 2 * step);
            killedAtMs = System.currentTimeMillis();
            system.killInstance(f, 2);
            event(events, t0, "forecaster 2 killed with SIGKILL");
            system.startInstance(f, 2);
            event(events, t0, "forecaster 2 started again on its state directory: " + running());
            sleepUntil(from + 3 * step);
            for (Service service : List.of(i, f)) {
                for (int n : system.instances(service)) {
                    system.stopInstance(service, n);
                    system.startInstance(service, n);
                    event(events, t0, "rolling restart: " + label(service) + " " + n + " stopped and started again, ready");
                }
            }
            sleepUntil(from + 4 * step);
            for (Service service : List.of(f, i)) {
                List<Integer> running = system.instances(service);
                for (int n : running.subList(1, running.size())) {
                    system.stopInstance(service, n);
                }
            }
            event(events, t0, "scaled down to one of each: " + running());
        }

        private String running() {
            return "ingest " + system.instances(Service.INGEST) + ", forecaster " + system.instances(Service.FORECASTER);
        }

        private static String label(Service service) {
            return service == Service.INGEST ? "ingest" : "forecaster";
        }

        private void event(List<String> events, double t0, String what) {
            String line = String.format("%.1f s: %s", sampler.now() - t0, what);
            events.add(line);
            out.println("load-test: " + line);
        }

        private void sleepUntil(double t) throws InterruptedException {
            double wait = t - sampler.now();
            if (wait > 0) {
                Thread.sleep((long) (wait * 1000));
            }
        }

        /**
         * Whether every stage's lag came back to its baseline in every measured round
         * ({@link LagRecovery}). A round that did not is a problem, unless it overlaps the
         * scenario's disruption or follows it (the kill-restart's outage, the burst): that backlog
         * is the point, and the drain within the timeout decides; such rounds are events.
         */
        private void lagRecovery(RateProfile profile, double warmupS, double durationS, double t0, boolean outage,
                                 List<String> problems, List<String> events) {
            double rate = profile.baseRate();
            double roundS = schedule.recordsPerRound() / rate;
            double from = warmupS;
            double to = warmupS + durationS;
            double disruption = outage && config.scenario() == Scenario.SCALE_OUT ? warmupS // instances come and go from the start
                    : outage ? warmupS + durationS / 3 // when scenarioEvents kills the forecaster
                    : profile.segments().size() > 1 ? profile.segments().get(0).seconds() : Double.POSITIVE_INFINITY;
            long tolerance = LagRecovery.tolerance(schedule.recordsPerRound(), rate, holdSeconds());
            List<StageSampler.Sample> before = sampler.between(Double.NEGATIVE_INFINITY, t0 + from);
            List<StageSampler.Sample> measured = sampler.between(t0 + from, t0 + to);
            boolean said = false;
            for (int i = 0; i < sampler.stages().size(); i++) {
                String stage = sampler.stages().get(i).name();
                long baseline = LagRecovery.baseline(points(before, i, t0));
                LagRecovery.Result r = LagRecovery.judge(points(measured, i, t0), from, to, roundS, baseline, tolerance);
                if (!r.verdict()) {
                    if (!said) {
                        events.add(r.spans() == 0
                                ? String.format(Locale.ROOT, "lag recovery between rounds not judged: the measured %.1f s hold"
                                        + " less than one round (%.1f s at %.0f records/s%s; not a verdict)", durationS, roundS, rate,
                                r.roundsPerSpan() == 1 ? "" : String.format(Locale.ROOT, ", judged in spans of %d rounds, %.1f s",
                                        r.roundsPerSpan(), r.spanS()))
                                : "lag recovery between rounds not judged: no lag sample in any measured round (not a verdict)");
                        said = true;
                    }
                    continue;
                }
                List<LagRecovery.Round> judged = r.unrecovered().stream().filter(x -> x.to() <= disruption).toList();
                List<LagRecovery.Round> exempt = r.unrecovered().stream().filter(x -> x.to() > disruption).toList();
                if (!judged.isEmpty()) {
                    problems.add(LagRecovery.describe(stage, r, judged, baseline, tolerance));
                }
                if (!exempt.isEmpty()) {
                    events.add(LagRecovery.describe(stage, r, exempt, baseline, tolerance) + (outage
                            ? " (the outage and after: its backlog has to drain within the drain timeout; not a verdict)"
                            : " (the burst and after: its backlog has to drain within the drain timeout; not a verdict)"));
                }
            }
        }

        /**
         * How long a stage at rest may hold records it has read without committing them: twice the
         * commit interval plus {@code max.task.idle.ms}, as the run sets them (100 ms and 0 by default).
         */
        private double holdSeconds() {
            Map<String, String> streams = config.system().streams();
            double commitMs = Double.parseDouble(streams.getOrDefault("commit.interval.ms", "100"));
            double idleMs = Double.parseDouble(streams.getOrDefault("max.task.idle.ms", "0"));
            return (2 * commitMs + idleMs) / 1000;
        }

        /** Stage {@code stage}'s lag in {@code samples}, timed from the trial's start {@code t0}. */
        private static List<LagRecovery.Point> points(List<StageSampler.Sample> samples, int stage, double t0) {
            return samples.stream().map(s -> new LagRecovery.Point(s.t() - t0, s.lag()[stage])).toList();
        }

        /** Records/s the first stage consumed over the samples. */
        private double throughput(List<StageSampler.Sample> samples) {
            if (samples.size() < 2) {
                return Double.NaN;
            }
            StageSampler.Sample a = samples.get(0);
            StageSampler.Sample b = samples.get(samples.size() - 1);
            return (b.consumed()[0] - a.consumed()[0]) / (b.t() - a.t());
        }

        /** Least-squares slope of the total lag over the samples, records/s. */
        private double lagGrowth(List<StageSampler.Sample> samples) {
            int n = samples.size();
            if (n < 3) {
                return 0;
            }
            double st = 0;
            double sl = 0;
            double stt = 0;
            double stl = 0;
            for (StageSampler.Sample s : samples) {
                long lag = 0;
                for (long l : s.lag()) {
                    lag += l;
                }
                st += s.t();
                sl += lag;
                stt += s.t() * s.t();
                stl += s.t() * lag;
            }
            double denominator = n * stt - st * st;
            return denominator == 0 ? 0 : (n * stl - st * sl) / denominator;
        }
    }
}
