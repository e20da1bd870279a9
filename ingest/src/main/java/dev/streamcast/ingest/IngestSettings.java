package dev.streamcast.ingest;

import dev.streamcast.contracts.json.Encoding;
import dev.streamcast.contracts.topics.Topics;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The validated settings the topology runs with. Built from {@link IngestConfig} in the
 * application and directly in tests; every check says which setting is wrong and why.
 */
public record IngestSettings(
        Duration windowSize,
        Duration grace,
        List<String> channels,
        List<Aggregate> aggregates,
        boolean dlqUnknownChannels,
        Imputation imputation,
        Duration idleTimeout,
        boolean textEnabled,
        int textBuckets,
        int ngrams,
        List<String> keywords,
        int maxTextChars,
        Duration maxPast,
        Duration maxFuture,
        Duration punctuateInterval,
        boolean wallClockAdvance,
        boolean inMemoryStore,
        Encoding featuresEncoding,
        int closeSlice) {

    public enum Aggregate {
        MEAN, MIN, MAX, LAST, COUNT;

        public String featureSuffix() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public enum Imputation { CARRY_FORWARD, ZERO }

    public IngestSettings {
        java.util.Objects.requireNonNull(featuresEncoding, "featuresEncoding");
        channels = List.copyOf(channels);
        aggregates = List.copyOf(aggregates);
        keywords = keywords.stream().map(k -> k.strip().toLowerCase(Locale.ROOT)).toList();
        require(windowSize.toMillis() >= 1, "ingest.window.size must be at least 1 ms, got " + windowSize);
        require(!grace.isNegative(), "ingest.window.grace must not be negative, got " + grace);
        require(!channels.isEmpty() || textEnabled, "ingest.channels is empty and text features are off: no features");
        require(channels.stream().distinct().count() == channels.size(), "ingest.channels has duplicates: " + channels);
        require(channels.stream().noneMatch(String::isBlank), "ingest.channels has a blank name: " + channels);
        require(channels.isEmpty() || !aggregates.isEmpty(), "ingest.aggregates is empty");
        require(aggregates.stream().distinct().count() == aggregates.size(), "ingest.aggregates has duplicates: " + aggregates);
        require(idleTimeout.compareTo(windowSize) >= 0, "ingest.idle-timeout (" + idleTimeout
                + ") must be at least one window (" + windowSize + ")");
        require(!textEnabled || (textBuckets >= 1 && textBuckets <= 4096), "ingest.text.buckets must be 1..4096, got " + textBuckets);
        require(!textEnabled || (ngrams >= 1 && ngrams <= 5), "ingest.text.ngrams must be 1..5, got " + ngrams);
        require(keywords.stream().noneMatch(String::isBlank), "ingest.text.keywords has a blank keyword");
        require(maxTextChars >= 1, "ingest.text.max-chars must be positive, got " + maxTextChars);
        require(punctuateInterval.toMillis() >= 10, "ingest.punctuate-interval must be at least 10 ms");
        require(closeSlice >= 1, "ingest.close-slice must be at least 1, got " + closeSlice);
    }

    /** From the configuration; {@code featuresEncoding} is {@code streamcast.encoding.features}, shared with its readers. */
    public static IngestSettings from(IngestConfig c, String featuresEncoding) {
        return new IngestSettings(c.window().size(), c.window().grace(), c.channels(),
                c.aggregates().stream().map(a -> parse(Aggregate.class, "ingest.aggregates", a)).toList(),
                switch (c.unknownChannels().strip().toLowerCase(Locale.ROOT)) {
                    case "drop" -> false;
                    case "dlq" -> true;
                    default -> throw new IllegalArgumentException(
                            "ingest.unknown-channels must be drop or dlq, got '" + c.unknownChannels() + "'");
                },
                parse(Imputation.class, "ingest.imputation", c.imputation()),
                c.idleTimeout(), c.text().enabled(), c.text().buckets(), c.text().ngrams(), c.text().keywords(),
                c.text().maxChars(), c.timestamps().maxPast(), c.timestamps().maxFuture(), c.punctuateInterval(),
                c.wallClockAdvance(),
                switch (c.store().strip().toLowerCase(Locale.ROOT)) {
                    case "rocksdb" -> false;
                    case "in-memory" -> true;
                    default -> throw new IllegalArgumentException("ingest.store must be rocksdb or in-memory, got '" + c.store() + "'");
                },
                Encoding.parse(Encoding.setting(Topics.FEATURES.name()), featuresEncoding), c.closeSlice());
    }

    /** The defaults of {@link IngestConfig}, for tests and benchmarks. */
    public static IngestSettings defaults() {
        return new IngestSettings(Duration.ofMinutes(1), Duration.ofSeconds(10),
                List.of("load_mw", "ambient_c", "oil_c", "voltage_kv"), List.of(Aggregate.values()), false,
                Imputation.CARRY_FORWARD, Duration.ofMinutes(10), true, 16, 2,
                List.of("alarm", "cleared", "trip", "fault", "maintenance"), 4096, Duration.ofDays(6),
                Duration.ofMinutes(5), Duration.ofSeconds(1), true, true, Encoding.JSON, 10_000);
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String setting, String text) {
        String name = text.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        try {
            return Enum.valueOf(type, name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(setting + ": '" + text + "' is not one of "
                    + java.util.Arrays.stream(type.getEnumConstants()).map(v -> v.name().toLowerCase(Locale.ROOT).replace('_', '-')).toList());
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
