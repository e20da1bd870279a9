package dev.streamcast.forecaster;

import dev.streamcast.contracts.json.Encoding;
import dev.streamcast.contracts.records.ModelNames;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.forecaster.model.ModelLoader;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The forecaster's settings, validated once at start with messages that name the setting. */
public record ForecasterSettings(String modelName, String alias, Optional<String> modelDir, String cacheDir,
                                 Duration retryInterval, Optional<String> registryUrl, Optional<String> registryToken,
                                 int maxBatch, Duration maxWait, boolean inMemoryStore, Duration ttl, Duration ttlScanInterval,
                                 boolean replayOnSwap, int warmupMaxSteps, List<String> evaluationHorizons,
                                 boolean shadowEnabled, String shadowAlias, ModelLoader.Provider provider, int cudaDevice,
                                 int intraOpThreads, boolean emitBeforeWarmUp, Encoding featuresEncoding,
                                 Encoding forecastsEncoding, Duration unknownSpecWait, int maxFailedBatches,
                                 Duration newerModelWait, int staleSteps, int pageActualsKept) {

    public ForecasterSettings {
        java.util.Objects.requireNonNull(featuresEncoding, "featuresEncoding");
        java.util.Objects.requireNonNull(forecastsEncoding, "forecastsEncoding");
        evaluationHorizons = List.copyOf(evaluationHorizons);
        if (!ModelNames.isName(modelName)) {
            throw new IllegalArgumentException("forecaster.model.name '" + modelName + "' is not a safe model name ("
                    + ModelNames.NAME.pattern() + ")");
        }
        if (!ModelNames.isName(alias)) {
            throw new IllegalArgumentException("forecaster.model.alias '" + alias + "' is not a safe alias name");
        }
        if (shadowEnabled && (!ModelNames.isName(shadowAlias) || shadowAlias.equals(alias))) {
            throw new IllegalArgumentException("forecaster.shadow.alias '" + shadowAlias + "' must be a safe alias name other than "
                    + alias);
        }
        if (maxBatch < 1 || maxBatch > 65_536) {
            throw new IllegalArgumentException("forecaster.batch.max-size must be within [1, 65536], got " + maxBatch);
        }
        positive("forecaster.batch.max-wait", maxWait);
        positive("forecaster.state.ttl", ttl);
        positive("forecaster.state.ttl-scan-interval", ttlScanInterval);
        positive("forecaster.model.retry-interval", retryInterval);
        if (warmupMaxSteps < 1) {
            throw new IllegalArgumentException("forecaster.warmup.max-steps must be at least 1, got " + warmupMaxSteps);
        }
        for (String h : evaluationHorizons) {
            if (!h.strip().equalsIgnoreCase("H") && !h.strip().matches("[1-9][0-9]{0,4}")) {
                throw new IllegalArgumentException("forecaster.evaluation.horizons: '" + h + "' is neither a step number nor H");
            }
        }
        if (unknownSpecWait.isNegative()) {
            throw new IllegalArgumentException("forecaster.faults.unknown-spec-wait must be zero or positive, got " + unknownSpecWait);
        }
        if (newerModelWait.isNegative()) {
            throw new IllegalArgumentException("forecaster.faults.newer-model-wait must be zero or positive, got " + newerModelWait);
        }
        if (maxFailedBatches < 0) {
            throw new IllegalArgumentException("forecaster.faults.max-failed-batches must be zero (never take a model out) or"
                    + " positive, got " + maxFailedBatches);
        }
        if (staleSteps < 1) {
            throw new IllegalArgumentException("forecaster.alerts.stale-steps must be at least 1 (inputs without a forecast before"
                    + " an entity counts as stale), got " + staleSteps);
        }
        if (pageActualsKept < 0 || pageActualsKept > 1_000) {
            throw new IllegalArgumentException("forecaster.page.actuals-kept must be within [0, 1000] (0: none), got "
                    + pageActualsKept);
        }
        if (intraOpThreads < 1) {
            throw new IllegalArgumentException("forecaster.intra-op-threads must be at least 1, got " + intraOpThreads);
        }
    }

    private static void positive(String name, Duration value) {
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    /**
     * From the configuration and the topics' encodings ({@code streamcast.encoding.features} and
     * {@code streamcast.encoding.forecasts}, shared with ingest and the forecasts' consumers).
     */
    public static ForecasterSettings from(ForecasterConfig c, String featuresEncoding, String forecastsEncoding) {
        String store = c.state().store().strip().toLowerCase(Locale.ROOT);
        if (!store.equals("rocksdb") && !store.equals("in-memory")) {
            throw new IllegalArgumentException("forecaster.state.store must be rocksdb or in-memory, got '" + c.state().store() + "'");
        }
        String policy = c.warmup().policy().strip().toLowerCase(Locale.ROOT);
        if (!policy.equals("replay") && !policy.equals("reset")) {
            throw new IllegalArgumentException("forecaster.warmup.policy must be replay or reset, got '" + c.warmup().policy() + "'");
        }
        return new ForecasterSettings(c.model().name(), c.model().alias(), c.model().dir().filter(d -> !d.isBlank()),
                c.model().cacheDir(), c.model().retryInterval(), c.registry().url().filter(u -> !u.isBlank()),
                c.registry().token().filter(t -> !t.isBlank()), c.batch().maxSize(), c.batch().maxWait(),
                store.equals("in-memory"), c.state().ttl(), c.state().ttlScanInterval(), policy.equals("replay"),
                c.warmup().maxSteps(), c.evaluation().horizons().stream().map(String::strip).toList(), c.shadow().enabled(),
                c.shadow().alias(), ModelLoader.provider(c.executionProvider()), c.cudaDevice(), c.intraOpThreads(),
                c.emitBeforeWarmUp(), Encoding.parse(Encoding.setting(Topics.FEATURES.name()), featuresEncoding),
                Encoding.parse(Encoding.setting(Topics.FORECASTS.name()), forecastsEncoding), c.faults().unknownSpecWait(),
                c.faults().maxFailedBatches(), c.faults().newerModelWait(), c.alerts().staleSteps(), c.page().actualsKept());
    }
}
