package dev.streamcast.ingest;

import java.time.Duration;
import java.util.List;

/** A mutable copy of the ingest settings for tests: change what the test is about, keep the rest. */
public final class TestSettings {

    public Duration windowSize = Duration.ofMinutes(1);
    public Duration grace = Duration.ofSeconds(10);
    public List<String> channels = List.of("temp", "load");
    public List<IngestSettings.Aggregate> aggregates = List.of(IngestSettings.Aggregate.values());
    public boolean dlqUnknownChannels = false;
    public IngestSettings.Imputation imputation = IngestSettings.Imputation.CARRY_FORWARD;
    public Duration idleTimeout = Duration.ofMinutes(3);
    public boolean textEnabled = true;
    public int textBuckets = 8;
    public int ngrams = 2;
    public List<String> keywords = List.of("alarm", "oil high");
    public int maxTextChars = 200;
    public Duration maxPast = Duration.ofDays(1);
    public Duration maxFuture = Duration.ofMinutes(5);
    public Duration punctuateInterval = Duration.ofSeconds(1);
    public boolean wallClockAdvance = true;
    public boolean inMemoryStore = true;
    public dev.streamcast.contracts.json.Encoding featuresEncoding = dev.streamcast.contracts.json.Encoding.JSON;
    public int closeSlice = IngestSettings.defaults().closeSlice();

    public IngestSettings build() {
        return new IngestSettings(windowSize, grace, channels, aggregates, dlqUnknownChannels, imputation, idleTimeout,
                textEnabled, textBuckets, ngrams, keywords, maxTextChars, maxPast, maxFuture, punctuateInterval,
                wallClockAdvance, inMemoryStore, featuresEncoding, closeSlice);
    }
}
