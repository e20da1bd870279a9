package dev.streamcast.trainer.service;

import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.json.Decoded;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.records.Forecast;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.registry.client.RegisteredModel;
import dev.streamcast.registry.client.RegistryClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The service's live side: reads {@code features}, {@code forecasts} and {@code forecasts-shadow} (from their ends,
 * read committed, no consumer group), scores them in a {@link LiveComparison}, starts a {@code drift} run when the
 * champion has drifted, and acts on a decision on the challenger: a promotion points {@code champion} at it and
 * {@code challenger} at the champion it replaces (so the forecaster keeps shadowing that one, and a regression rolls
 * back by the same rule); either way the decision and its numbers go to the model's tags in the registry
 * ({@code promotion.last}), to the log and to {@code trainer_promotions_total}. The registry publishes the alias moves
 * on {@code model-events}, which is how the forecaster learns of them.
 */
@ApplicationScoped
public class LiveScores {

    private static final Logger LOG = Logger.getLogger(LiveScores.class);
    private static final int DECISIONS_KEPT = 20;

    private final TrainerServiceConfig config;
    private final Runs runs;
    private final MeterRegistry meters;
    private final String bootstrapServers;
    private final Map<String, LiveComparison.ModelFacts> facts = new HashMap<>();
    /** When reading a model's manifest last failed: not asked again for {@link #RETRY_MILLIS}. */
    private final Map<String, Long> failed = new HashMap<>();
    private static final long RETRY_MILLIS = 30_000;
    private final Deque<Map<String, Object>> decisions = new ArrayDeque<>();
    private final LiveComparison comparison;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private long newVectors;
    private long runsSeen;
    private volatile boolean running;
    private Thread thread;

    LiveScores(TrainerServiceConfig config, Runs runs, MeterRegistry meters,
               @ConfigProperty(name = "kafka.bootstrap.servers", defaultValue = "127.0.0.1:9092") String bootstrapServers) {
        this.config = config;
        this.runs = runs;
        this.meters = meters;
        this.bootstrapServers = bootstrapServers;
        this.comparison = new LiveComparison(config.live(), this::factsOf, new LiveComparison.Listener() {
            @Override
            public void drift(String champion, double liveMae, double backtestMae, int errors) {
                Runs.Submission s = runs.submit(Run.Trigger.DRIFT, String.format(Locale.ROOT,
                        "%s live MAE %.3f > %.1f x its backtest MAE %.3f over its last %d errors (z-scored)", champion, liveMae,
                        config.live().driftFactor(), backtestMae, errors));
                meters.counter("trainer_drift_detected_total").increment();
                if (!s.started()) {
                    LOG.infof("drift of %s while run %d is going: no second run", champion, s.run().id());
                }
            }

            @Override
            public void decided(LiveComparison.Decision decision) {
                act(decision);
            }
        });
        for (String decision : List.of("promoted", "kept_out")) {
            meters.counter("trainer_promotions_total", "decision", decision);
        }
        meters.counter("trainer_drift_detected_total");
    }

    void onStart(@Observes StartupEvent start) {
        if (!config.live().enabled()) {
            return;
        }
        running = true;
        thread = new Thread(this::consume, "trainer-live-scores");
        thread.setDaemon(true);
        thread.start();
    }

    void onStop(@Observes ShutdownEvent stop) {
        running = false;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    /** Whether {@code challenger} is under live comparison and undecided ({@link LiveComparison#undecided}). */
    public java.util.Optional<String> undecided(String challenger) {
        synchronized (comparison) {
            return comparison.undecided(challenger);
        }
    }

    /** Where the comparison stands and the last decisions, for {@code /api/live}. */
    public Map<String, Object> view() {
        Map<String, Object> v = new LinkedHashMap<>();
        synchronized (comparison) {
            v.putAll(comparison.view());
        }
        synchronized (decisions) {
            v.put("decisions", List.copyOf(decisions));
        }
        v.put("enabled", config.live().enabled());
        return v;
    }

    private void consume() {
        Map<String, Object> client = new HashMap<>(dev.streamcast.contracts.kafka.KafkaClientEnvironment.consumer(System.getenv()));
        client.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        client.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        client.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        client.put(ConsumerConfig.CLIENT_ID_CONFIG, "streamcast-trainer-live");
        while (running) {
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(client, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer = c;
                assign(c);
                while (running) {
                    var records = c.poll(Duration.ofMillis(500));
                    long now = System.currentTimeMillis();
                    // names first, then forecasts, then actuals: a poll may bring a step's actual with the forecasts
                    // made before it, and a forecast read after its actual would never be scored
                    List<ConsumerRecord<byte[], byte[]>> ordered = new ArrayList<>(records.count());
                    records.forEach(ordered::add);
                    ordered.sort(java.util.Comparator.comparingInt(LiveScores::order));
                    synchronized (comparison) {
                        for (ConsumerRecord<byte[], byte[]> r : ordered) {
                            handle(r, now);
                        }
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warnf("the live comparison's consumer failed (%s); starting it again in 5 s", e.toString());
                sleep(5_000);
            }
        }
    }

    /** Every partition of the four topics: feature-specs from its start (the names), the others from their ends. */
    private void assign(KafkaConsumer<byte[], byte[]> c) {
        List<TopicPartition> specs = partitions(c, Topics.FEATURE_SPECS.name());
        List<TopicPartition> live = new ArrayList<>();
        for (String topic : List.of(Topics.FEATURES.name(), Topics.FORECASTS.name(), Topics.FORECASTS_SHADOW.name())) {
            live.addAll(partitions(c, topic));
        }
        List<TopicPartition> all = new ArrayList<>(specs);
        all.addAll(live);
        c.assign(all);
        c.seekToBeginning(specs);
        c.seekToEnd(live);
    }

    private static List<TopicPartition> partitions(KafkaConsumer<byte[], byte[]> c, String topic) {
        List<PartitionInfo> info = c.partitionsFor(topic, Duration.ofSeconds(30));
        if (info == null || info.isEmpty()) {
            throw new IllegalStateException("no topic " + topic + " at the broker");
        }
        return info.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    private static int order(ConsumerRecord<byte[], byte[]> r) {
        String t = r.topic();
        return t.equals(Topics.FEATURE_SPECS.name()) ? 0 : t.equals(Topics.FEATURES.name()) ? 2 : 1;
    }

    private void handle(ConsumerRecord<byte[], byte[]> r, long now) {
        if (r.value() == null || r.key() == null) {
            return;
        }
        String key = new String(r.key(), StandardCharsets.UTF_8);
        if (r.topic().equals(Topics.FEATURE_SPECS.name())) {
            Decoded<FeatureSpec> spec = Codecs.FEATURE_SPEC.decode(r.value());
            if (spec.isOk()) {
                comparison.spec(spec.value());
            }
        } else if (r.topic().equals(Topics.FEATURES.name())) {
            Decoded<FeatureVector> v = Codecs.FEATURE_VECTOR.decode(r.value());
            if (v.isOk()) {
                comparison.actual(key, v.value(), now);
                countNewHistory();
            }
        } else {
            Decoded<Forecast> f = Codecs.FORECAST.decode(r.value());
            if (f.isOk()) {
                comparison.forecast(r.topic().equals(Topics.FORECASTS.name()) ? LiveComparison.Slot.CHAMPION
                        : LiveComparison.Slot.CHALLENGER, key, f.value());
            }
        }
    }

    /** The new-history trigger: {@code trainer.schedule.new-vectors} vectors since the last run started. */
    private void countNewHistory() {
        long threshold = config.schedule().newVectors();
        if (threshold <= 0) {
            return;
        }
        if (runs.started() != runsSeen) {
            runsSeen = runs.started();
            newVectors = 0;
        }
        if (++newVectors >= threshold) {
            Runs.Submission s = runs.submit(Run.Trigger.HISTORY, newVectors + " new feature vectors since the last run");
            if (s.started()) {
                runsSeen = runs.started();
                newVectors = 0;
            }
        }
    }

    private RegistryClient registry() {
        return Runs.registry(config).build();
    }

    /** A model's scale and backtest MAE from its manifest, downloaded once per version; null while the registry fails. */
    private LiveComparison.ModelFacts factsOf(String ref) {
        LiveComparison.ModelFacts known = facts.get(ref);
        if (known != null || facts.containsKey(ref)) {
            return known;
        }
        int at = ref.lastIndexOf('@');
        Long failedAt = failed.get(ref);
        if (at < 0 || failedAt != null && System.currentTimeMillis() - failedAt < RETRY_MILLIS) {
            return null;
        }
        try {
            Path dir = Files.createTempDirectory("streamcast-trainer-manifest");
            try {
                BundleManifest m = registry().download(ref.substring(0, at), Long.parseLong(ref.substring(at + 1)), dir.resolve("bundle"));
                Map<String, Double> std = new HashMap<>();
                for (String target : m.targets()) {
                    int i = m.featureSpec().names().indexOf(target);
                    if (i >= 0) {
                        std.put(target, m.std()[i]);
                    }
                }
                Double mae = m.metrics().get("mae");
                LiveComparison.ModelFacts f = new LiveComparison.ModelFacts(std, mae == null ? Double.NaN : mae);
                facts.put(ref, f);
                return f;
            } finally {
                try (var files = Files.walk(dir)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        } catch (Exception e) {
            LOG.warnf("could not read the manifest of %s from the registry (%s): its forecasts are not scored for %d s",
                    ref, e.getMessage(), RETRY_MILLIS / 1000);
            failed.put(ref, System.currentTimeMillis());
            return null;
        }
    }

    private void act(LiveComparison.Decision d) {
        LOG.infof("promotion decision: %s", d.describe());
        meters.counter("trainer_promotions_total", "decision", d.promote() ? "promoted" : "kept_out").increment();
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("at", d.at());
        record.put("champion", d.champion());
        record.put("challenger", d.challenger());
        record.put("promoted", d.promote());
        record.put("why", d.why());
        record.put("pairs", d.pairs());
        record.put("championMse", d.championMse());
        record.put("challengerMse", d.challengerMse());
        record.put("naiveMse", Double.isFinite(d.naiveMse()) ? d.naiveMse() : null);
        record.put("dmStatistic", Double.isFinite(d.dmStatistic()) ? d.dmStatistic() : null);
        record.put("pValue", d.pValue());
        try {
            RegistryClient registry = registry();
            String model = config.model();
            if (d.promote()) {
                long challenger = version(d.challenger());
                long champion = version(d.champion());
                registry.setAlias(model, "champion", challenger, champion); // only if champion is still the one compared
                registry.setAlias(model, "challenger", champion);
            }
            RegisteredModel current = registry.model(model);
            Map<String, String> tags = new LinkedHashMap<>(current.tags());
            tags.put("promotion.last", d.describe());
            registry.updateModel(model, current.description(), tags);
            record.put("applied", true);
        } catch (RuntimeException e) {
            LOG.errorf("promotion decision %s could not be applied in the registry: %s", d.describe(), e.getMessage());
            record.put("applied", false);
            record.put("error", e.getMessage());
        }
        synchronized (decisions) {
            decisions.addFirst(record);
            while (decisions.size() > DECISIONS_KEPT) {
                decisions.removeLast();
            }
        }
    }

    private static long version(String ref) {
        return Long.parseLong(ref.substring(ref.lastIndexOf('@') + 1));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
