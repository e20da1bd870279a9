package dev.streamcast.ingest.topics;

import dev.streamcast.contracts.json.Encoding;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.EntityKey;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.ingest.IngestSettings;
import dev.streamcast.ingest.windowing.FeatureLayout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What ingest needs of the topics it writes, as a pure function of the settings and the topics'
 * configs (read by {@link StartupCheck}): every problem, named with the setting and the config
 * involved and what to change, or none.
 *
 * <ul>
 * <li>{@code features} deletes by record timestamp, a vector's window end, which lies up to
 * {@code ingest.timestamps.max-past} plus a window and its grace in the past: that must fit in its
 * {@code retention.ms} (and in {@code message.timestamp.before.max.ms}, past which the broker refuses
 * a record), or vectors are deleted before anyone reads them. A topic with
 * {@code message.timestamp.type=LogAppendTime} counts from the append instead and is exempt.</li>
 * <li>{@code features} and {@code ingest-dlq} must not be compacted (compaction keeps one record per
 * entity); {@code feature-specs} must not delete (each task publishes the spec once, when it starts).
 * {@code ingest-dlq} has no bound on its retention: dead letters carry the time of refusal.</li>
 * <li>The largest vector the feature layout can encode, and the spec, must fit in the producer's
 * {@code max.request.size} and their topic's {@code max.message.bytes}: the layout is known at start,
 * so an over-size vector is refused here rather than at its first window.</li>
 * </ul>
 */
public final class TopicRequirements {

    /**
     * The most a record adds to its key and value in a batch of its own: the batch header (61 bytes)
     * and the record's length, attributes, timestamp and offset deltas and header count as varints.
     */
    static final int RECORD_OVERHEAD_BYTES = 61 + 36;
    /** Entity keys are at most {@link EntityKey#MAX_CHARS} UTF-16 characters, at most 3 UTF-8 bytes each. */
    static final int MAX_KEY_BYTES = EntityKey.MAX_CHARS * 3;
    /**
     * The longest text of a finite double, "-2.2250738585072014E-308" (sign, 17 digits, point, exponent):
     * a vector of it, all flags false and both window ends of 20 digits, bounds every vector's JSON.
     */
    private static final double LONGEST_DOUBLE = -2.2250738585072014E-308;

    /** The configs of one topic that matter here, as the broker reports them (topic value or broker default). */
    public record TopicConfig(String topic, String cleanupPolicy, long retentionMs, String timestampType,
                              long timestampBeforeMaxMs, int maxMessageBytes) {

        /** From the config entries of a describeConfigs answer. */
        public static TopicConfig of(String topic, Map<String, String> configs) {
            return new TopicConfig(topic, configs.getOrDefault("cleanup.policy", "delete"),
                    Long.parseLong(configs.getOrDefault("retention.ms", "604800000")),
                    configs.getOrDefault("message.timestamp.type", "CreateTime"),
                    Long.parseLong(configs.getOrDefault("message.timestamp.before.max.ms", Long.toString(Long.MAX_VALUE))),
                    Integer.parseInt(configs.getOrDefault("max.message.bytes", "1048588")));
        }

        boolean compacts() {
            return policies().contains("compact");
        }

        boolean deletes() {
            return policies().contains("delete");
        }

        private List<String> policies() {
            return Arrays.stream(cleanupPolicy.split(",")).map(p -> p.strip().toLowerCase(Locale.ROOT)).toList();
        }
    }

    private TopicRequirements() {
    }

    /** Every problem with the topics {@code features}, {@code ingest-dlq} and {@code feature-specs}; empty when none. */
    public static List<String> problems(IngestSettings settings, Map<String, TopicConfig> topics, int maxRequestSize) {
        FeatureLayout layout = new FeatureLayout(settings);
        List<String> problems = new ArrayList<>();
        TopicConfig features = topics.get(Topics.FEATURES.name());
        TopicConfig dlq = topics.get(Topics.INGEST_DLQ.name());
        TopicConfig specs = topics.get(Topics.FEATURE_SPECS.name());
        if (features != null) {
            problems.addAll(retention(settings, features));
            if (features.compacts()) {
                problems.add("topic features has cleanup.policy=" + features.cleanupPolicy() + ": compaction keeps only the last"
                        + " vector of each entity; set cleanup.policy=delete");
            }
        }
        if (dlq != null && dlq.compacts()) {
            problems.add("topic ingest-dlq has cleanup.policy=" + dlq.cleanupPolicy() + ": compaction keeps only the last dead"
                    + " letter of each key; set cleanup.policy=delete");
        }
        if (specs != null && specs.deletes() && specs.retentionMs() >= 0) {
            problems.add("topic feature-specs has cleanup.policy=" + specs.cleanupPolicy() + " with retention.ms="
                    + specs.retentionMs() + ": each stream task publishes the spec once, when it starts, so the broker would"
                    + " delete it while vectors still name it; set cleanup.policy=compact (or retention.ms=-1)");
        }
        problems.addAll(sizes(layout, settings.featuresEncoding(), features, specs, maxRequestSize));
        return problems;
    }

    /** The event-time bound of {@code features}: its oldest vector must outlive the topic's retention and timestamp limit. */
    static List<String> retention(IngestSettings settings, TopicConfig features) {
        List<String> problems = new ArrayList<>();
        if ("LogAppendTime".equalsIgnoreCase(features.timestampType())) {
            return problems;
        }
        Duration oldest = settings.maxPast().plus(settings.windowSize()).plus(settings.grace());
        Duration margin = settings.windowSize().plus(settings.grace());
        String sum = "ingest.timestamps.max-past=" + iso(settings.maxPast()) + " plus ingest.window.size="
                + iso(settings.windowSize()) + " and ingest.window.grace=" + iso(settings.grace()) + " (" + iso(oldest) + ")";
        if (features.deletes() && features.retentionMs() >= 0 && oldest.toMillis() > features.retentionMs()) {
            problems.add(sum + " is longer than retention.ms=" + features.retentionMs() + " (" + iso(Duration.ofMillis(
                    features.retentionMs())) + ") of topic features: the broker deletes a vector that long after its window end,"
                    + " read or not, so vectors of the oldest readings ingest accepts would be lost. "
                    + lowerMaxPast(features.retentionMs(), margin) + "or raise retention.ms of features to at least "
                    + oldest.toMillis() + " (-1 keeps everything; see ingest/README.md, \"Replaying history\")");
        }
        if (features.timestampBeforeMaxMs() >= 0 && oldest.toMillis() > features.timestampBeforeMaxMs()) {
            problems.add(sum + " is longer than message.timestamp.before.max.ms=" + features.timestampBeforeMaxMs()
                    + " of topic features: the broker would refuse the vectors of the oldest readings ingest accepts. "
                    + lowerMaxPast(features.timestampBeforeMaxMs(), margin) + "or raise message.timestamp.before.max.ms of features"
                    + " to at least " + oldest.toMillis());
        }
        return problems;
    }

    private static String lowerMaxPast(long limitMillis, Duration margin) {
        long most = limitMillis - margin.toMillis();
        return most > 0 ? "Lower ingest.timestamps.max-past to at most " + iso(Duration.ofMillis(most)) + ", " : "";
    }

    /** The largest vector and the spec against the producer's request limit and their topics' message limit. */
    static List<String> sizes(FeatureLayout layout, Encoding encoding, TopicConfig features, TopicConfig specs, int maxRequestSize) {
        List<String> problems = new ArrayList<>();
        FeatureSpec spec = layout.spec();
        int vector = RECORD_OVERHEAD_BYTES + MAX_KEY_BYTES + largestVectorBytes(spec, encoding);
        int specRecord = RECORD_OVERHEAD_BYTES + spec.id().getBytes(StandardCharsets.UTF_8).length
                + Codecs.FEATURE_SPEC.encode(spec).length;
        String what = "a vector of " + spec.size() + " features (ingest.channels x ingest.aggregates, plus text features)"
                + " encoded as " + encoding.name().toLowerCase(Locale.ROOT) + " (streamcast.encoding.features) takes up to "
                + vector + " bytes as a record";
        if (vector > maxRequestSize) {
            problems.add(what + ", more than the producer's max.request.size=" + maxRequestSize
                    + ": raise kafka-streams.producer.max.request.size, or configure fewer features");
        }
        if (features != null && vector > features.maxMessageBytes()) {
            problems.add(what + ", more than max.message.bytes=" + features.maxMessageBytes() + " of topic features: raise it,"
                    + " or configure fewer features");
        }
        String specWhat = "the feature spec of " + spec.size() + " names takes " + specRecord + " bytes as a record";
        if (specRecord > maxRequestSize) {
            problems.add(specWhat + ", more than the producer's max.request.size=" + maxRequestSize
                    + ": raise kafka-streams.producer.max.request.size, or configure fewer features");
        }
        if (specs != null && specRecord > specs.maxMessageBytes()) {
            problems.add(specWhat + ", more than max.message.bytes=" + specs.maxMessageBytes() + " of topic feature-specs:"
                    + " raise it, or configure fewer features");
        }
        return problems;
    }

    /** An upper bound on the encoded value of any vector of {@code spec}: exact for binary, the longest numbers for JSON. */
    public static int largestVectorBytes(FeatureSpec spec, Encoding encoding) {
        double[] values = new double[spec.size()];
        Arrays.fill(values, LONGEST_DOUBLE);
        FeatureVector longest = new FeatureVector(spec.id(), Long.MIN_VALUE, Long.MIN_VALUE + 1, values, new boolean[spec.size()]);
        return Codecs.featureVectors(encoding).encode(longest).length;
    }

    /** A duration as the settings write it, with days: P30DT1M10S rather than PT720H1M10S. */
    static String iso(Duration d) {
        long days = d.toDays();
        Duration rest = d.minusDays(days);
        if (days == 0) {
            return rest.toString();
        }
        return "P" + days + "D" + (rest.isZero() ? "" : rest.toString().substring(1));
    }
}
