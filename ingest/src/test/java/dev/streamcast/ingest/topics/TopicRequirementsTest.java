package dev.streamcast.ingest.topics;

import dev.streamcast.contracts.json.Encoding;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.topics.TopicSpec;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.ingest.IngestSettings;
import dev.streamcast.ingest.TestSettings;
import dev.streamcast.ingest.topics.TopicRequirements.TopicConfig;
import dev.streamcast.ingest.windowing.FeatureLayout;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class TopicRequirementsTest {

    private static final int MAX_REQUEST_SIZE = 1_048_576;

    /** The topics as streamcast creates them (contracts' TopicSpec), as the broker reports them. */
    private static Map<String, TopicConfig> asCreated() {
        Map<String, TopicConfig> topics = new HashMap<>();
        for (TopicSpec spec : List.of(Topics.FEATURES, Topics.INGEST_DLQ, Topics.FEATURE_SPECS)) {
            Map<String, String> configs = new HashMap<>(spec.configs());
            configs.putIfAbsent("retention.ms", "604800000"); // the broker's default, reported for the compacted topic
            topics.put(spec.name(), TopicConfig.of(spec.name(), configs));
        }
        return topics;
    }

    private static Map<String, TopicConfig> withFeatures(Map<String, String> features) {
        Map<String, TopicConfig> topics = asCreated();
        Map<String, String> configs = new HashMap<>(Topics.FEATURES.configs());
        configs.putAll(features);
        topics.put(Topics.FEATURES.name(), TopicConfig.of(Topics.FEATURES.name(), configs));
        return topics;
    }

    @Test
    void theDefaultsFitTheTopicsAsStreamcastCreatesThem() {
        IngestSettings defaults = IngestSettings.defaults();

        assertThat(TopicRequirements.problems(defaults, asCreated(), MAX_REQUEST_SIZE)).isEmpty();
        assertThat(Topics.FEATURES.configs()).containsEntry("retention.ms", "604800000");
        assertThat(defaults.maxPast().plus(defaults.windowSize()).plus(defaults.grace())).isLessThan(TopicSpec.RETENTION);
    }

    @Test
    void aMaxPastBeyondTheRetentionOfFeaturesIsRefusedNamingBothSettingsAndWhatToChange() {
        TestSettings replay = new TestSettings();
        replay.maxPast = Duration.ofDays(30);

        assertThat(TopicRequirements.problems(replay.build(), asCreated(), MAX_REQUEST_SIZE)).containsExactly(
                "ingest.timestamps.max-past=P30D plus ingest.window.size=PT1M and ingest.window.grace=PT10S (P30DT1M10S) is"
                        + " longer than retention.ms=604800000 (P7D) of topic features: the broker deletes a vector that long after"
                        + " its window end, read or not, so vectors of the oldest readings ingest accepts would be lost. Lower"
                        + " ingest.timestamps.max-past to at most P6DT23H58M50S, or raise retention.ms of features to at least"
                        + " 2592070000 (-1 keeps everything; see ingest/README.md, \"Replaying history\")");
    }

    @Test
    void theLimitIsMaxPastPlusWindowPlusGraceExactly() {
        TestSettings fits = new TestSettings();
        fits.maxPast = Duration.ofDays(7).minus(fits.windowSize).minus(fits.grace);
        assertThat(TopicRequirements.problems(fits.build(), asCreated(), MAX_REQUEST_SIZE)).isEmpty();

        TestSettings oneMillisecondMore = new TestSettings();
        oneMillisecondMore.maxPast = fits.maxPast.plusMillis(1);
        assertThat(TopicRequirements.problems(oneMillisecondMore.build(), asCreated(), MAX_REQUEST_SIZE)).hasSize(1);
    }

    @Test
    void aTopicThatKeepsEverythingOrCountsFromTheAppendAcceptsAnyMaxPast() {
        TestSettings replay = new TestSettings();
        replay.maxPast = Duration.ofDays(3650);

        assertThat(TopicRequirements.problems(replay.build(), withFeatures(Map.of("retention.ms", "-1")), MAX_REQUEST_SIZE))
                .isEmpty();
        assertThat(TopicRequirements.problems(replay.build(), withFeatures(Map.of("message.timestamp.type", "LogAppendTime")),
                MAX_REQUEST_SIZE)).isEmpty();
    }

    @Test
    void aTimestampLimitShorterThanMaxPastIsRefused() {
        List<String> problems = TopicRequirements.problems(new TestSettings().build(),
                withFeatures(Map.of("message.timestamp.before.max.ms", "3600000")), MAX_REQUEST_SIZE);

        assertThat(problems).containsExactly("ingest.timestamps.max-past=P1D plus ingest.window.size=PT1M and"
                + " ingest.window.grace=PT10S (P1DT1M10S) is longer than message.timestamp.before.max.ms=3600000 of topic features:"
                + " the broker would refuse the vectors of the oldest readings ingest accepts. Lower ingest.timestamps.max-past to at"
                + " most PT58M50S, or raise message.timestamp.before.max.ms of features to at least 86470000");
    }

    @Test
    void compactedFeaturesOrDeadLettersAndASpecTopicThatDeletesAreRefused() {
        Map<String, TopicConfig> topics = withFeatures(Map.of("cleanup.policy", "compact"));
        topics.put(Topics.INGEST_DLQ.name(), TopicConfig.of(Topics.INGEST_DLQ.name(), Map.of("cleanup.policy", "delete,compact")));
        topics.put(Topics.FEATURE_SPECS.name(), TopicConfig.of(Topics.FEATURE_SPECS.name(),
                Map.of("cleanup.policy", "compact,delete", "retention.ms", "86400000")));

        assertThat(TopicRequirements.problems(new TestSettings().build(), topics, MAX_REQUEST_SIZE)).containsExactly(
                "topic features has cleanup.policy=compact: compaction keeps only the last vector of each entity; set"
                        + " cleanup.policy=delete",
                "topic ingest-dlq has cleanup.policy=delete,compact: compaction keeps only the last dead letter of each key; set"
                        + " cleanup.policy=delete",
                "topic feature-specs has cleanup.policy=compact,delete with retention.ms=86400000: each stream task publishes the"
                        + " spec once, when it starts, so the broker would delete it while vectors still name it; set"
                        + " cleanup.policy=compact (or retention.ms=-1)");
    }

    @Test
    void aLayoutWhoseLargestVectorExceedsALimitIsRefusedAtStart() {
        TestSettings wide = new TestSettings();
        wide.channels = IntStream.range(0, 200).mapToObj(i -> "channel_" + i).toList();
        wide.textBuckets = 4096;
        IngestSettings settings = wide.build();
        FeatureSpec spec = new FeatureLayout(settings).spec();
        int record = TopicRequirements.RECORD_OVERHEAD_BYTES + TopicRequirements.MAX_KEY_BYTES
                + TopicRequirements.largestVectorBytes(spec, Encoding.JSON);
        assertThat(spec.size()).isEqualTo(200 * 5 + 2 + 4096 + 2);
        assertThat(record).isBetween(150_000, 200_000);

        assertThat(TopicRequirements.problems(settings, withFeatures(Map.of("max.message.bytes", "100000")), MAX_REQUEST_SIZE))
                .containsExactly("a vector of 5100 features (ingest.channels x ingest.aggregates, plus text features) encoded as"
                        + " json (streamcast.encoding.features) takes up to " + record + " bytes as a record, more than"
                        + " max.message.bytes=100000 of topic features: raise it, or configure fewer features");
        assertThat(TopicRequirements.problems(settings, asCreated(), 100_000)).singleElement().asString()
                .contains("more than the producer's max.request.size=100000: raise kafka-streams.producer.max.request.size");

        wide.featuresEncoding = Encoding.BINARY; // 8 bytes a value: the same layout fits
        assertThat(TopicRequirements.problems(wide.build(), withFeatures(Map.of("max.message.bytes", "100000")), MAX_REQUEST_SIZE))
                .isEmpty();
    }

    @Test
    void theBoundHoldsForEveryVectorTheLayoutCanWrite() {
        TestSettings settings = new TestSettings();
        FeatureSpec spec = new FeatureLayout(settings.build()).spec();
        int json = TopicRequirements.largestVectorBytes(spec, Encoding.JSON);
        int binary = TopicRequirements.largestVectorBytes(spec, Encoding.BINARY);
        double[] extremes = {-Double.MAX_VALUE, Double.MAX_VALUE, -Double.MIN_VALUE, -Double.MIN_NORMAL, -1.0000000000000002E-300,
                -0.0012345678901234567, -1234567.8901234567, -9.999999999999999E22, -2.82879384806159E17, 0.0};
        long[] windowEnds = {Instant.parse("1900-01-01T00:01:00Z").toEpochMilli(), Instant.parse("2199-12-31T23:59:00Z").toEpochMilli()};
        SplittableRandom random = new SplittableRandom(18);
        for (int round = 0; round < 2_000; round++) {
            double[] values = new double[spec.size()];
            boolean[] observed = new boolean[spec.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = round < extremes.length ? extremes[round]
                        : Double.longBitsToDouble(random.nextLong() & 0x7FEF_FFFF_FFFF_FFFFL) * (random.nextBoolean() ? 1 : -1);
                observed[i] = random.nextBoolean();
            }
            long end = windowEnds[round % 2];
            FeatureVector vector = new FeatureVector(spec.id(), end - 60_000, end, values, observed);

            assertThat(Codecs.featureVectors(Encoding.JSON).encode(vector).length).isLessThanOrEqualTo(json);
            assertThat(Codecs.featureVectors(Encoding.BINARY).encode(vector).length).isEqualTo(binary);
        }
    }
}
