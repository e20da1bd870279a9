package dev.streamcast.ingest.windowing;

import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.ingest.IngestSettings;
import dev.streamcast.ingest.IngestSettings.Aggregate;
import dev.streamcast.ingest.text.TextFeatures;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which features a vector holds, in which order, and how a window's accumulator becomes a
 * vector. Order: for each configured channel, its configured aggregates
 * ({@code oil_c.mean, oil_c.min, ...}); then, with text on, {@code text.count},
 * {@code text.mean_len}, {@code text.hash.00..D-1} and {@code text.kw.<keyword>}.
 *
 * <p>Counts (channel {@code count}, text counts, hashed n-grams, keywords) are always observed:
 * zero is what happened. Value features (mean, min, max, last, text mean length) of a window
 * without data are imputed (carried forward or zero) and flagged unobserved.
 */
public final class FeatureLayout {

    private final IngestSettings settings;
    private final FeatureSpec spec;
    private final byte[] specIdBytes;
    private final Map<String, Integer> channelIndex = new HashMap<>();
    private final TextFeatures text;
    private final int valueFeatures;

    public FeatureLayout(IngestSettings settings) {
        this.settings = settings;
        List<String> names = new ArrayList<>();
        for (int c = 0; c < settings.channels().size(); c++) {
            channelIndex.put(settings.channels().get(c), c);
            for (Aggregate a : settings.aggregates()) {
                names.add(settings.channels().get(c) + "." + a.featureSuffix());
            }
        }
        if (settings.textEnabled()) {
            names.add("text.count");
            names.add("text.mean_len");
            for (int b = 0; b < settings.textBuckets(); b++) {
                names.add(String.format("text.hash.%02d", b));
            }
            for (String keyword : settings.keywords()) {
                names.add("text.kw." + keyword.replace(' ', '_'));
            }
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String name : names) {
            if (!seen.add(name)) {
                throw new IllegalArgumentException("feature '" + name + "' would appear twice: check ingest.channels,"
                        + " ingest.aggregates and ingest.text.keywords (keywords are compared lower-cased, spaces as _)");
            }
        }
        this.spec = FeatureSpec.of(settings.windowSize().toMillis(), names);
        this.specIdBytes = spec.id().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long perChannel = settings.aggregates().stream().filter(a -> a != Aggregate.COUNT).count();
        this.valueFeatures = (int) (settings.channels().size() * perChannel) + (settings.textEnabled() ? 1 : 0);
        this.text = settings.textEnabled()
                ? new TextFeatures(settings.textBuckets(), settings.ngrams(), settings.keywords()) : null;
    }

    public FeatureSpec spec() {
        return spec;
    }

    /** The spec id's UTF-8 bytes, as every entity's stored state begins (shared: never modify). */
    byte[] specIdBytes() {
        return specIdBytes;
    }

    /** The channel's index, or -1 if it is not configured. */
    int channel(String name) {
        Integer index = channelIndex.get(name);
        return index == null ? -1 : index;
    }

    int channelCount() {
        return settings.channels().size();
    }

    int bucketCount() {
        return settings.textEnabled() ? settings.textBuckets() : 0;
    }

    int keywordCount() {
        return settings.textEnabled() ? settings.keywords().size() : 0;
    }

    WindowAccumulator newAccumulator(long start) {
        return new WindowAccumulator(start, channelCount(), bucketCount(), keywordCount());
    }

    EntityWindows newEntity(long firstWindowStart, long ts) {
        double[] lastValues = new double[valueFeatures];
        Arrays.fill(lastValues, Double.NaN);
        return new EntityWindows(spec.id(), specIdBytes, firstWindowStart, ts, lastValues);
    }

    void addText(WindowAccumulator acc, String body) {
        acc.textCount++;
        acc.textChars += TextFeatures.length(body);
        text.accumulate(body, acc.hashed, acc.keywords);
    }

    /**
     * The vector of window [start, start + size) from its accumulator ({@code null}: no data),
     * imputing value features from {@code state.lastValues} and updating them. Returns the
     * number of imputed values through {@code imputed[0]}.
     */
    FeatureVector vector(EntityWindows state, long start, WindowAccumulator acc, int[] imputed) {
        int f = spec.size();
        double[] values = new double[f];
        boolean[] observed = new boolean[f];
        int i = 0;
        int v = 0; // index into state.lastValues, which holds the value features only
        int missing = 0;
        List<Aggregate> aggregates = settings.aggregates();
        for (int c = 0; c < channelCount(); c++) {
            boolean seen = acc != null && acc.count[c] > 0;
            for (Aggregate a : aggregates) {
                if (a == Aggregate.COUNT) {
                    values[i] = seen ? acc.count[c] : 0;
                    observed[i] = true;
                } else if (seen) {
                    values[i] = switch (a) {
                        case MEAN -> acc.mean[c];
                        case MIN -> acc.min[c];
                        case MAX -> acc.max[c];
                        case LAST -> acc.last[c];
                        case COUNT -> throw new AssertionError();
                    };
                    if (Double.isFinite(values[i])) {
                        observed[i] = true;
                        state.lastValues[v++] = values[i];
                    } else { // only extreme inputs get here (a mean of values near the double range): never emit non-finite
                        values[i] = impute(state.lastValues[v++]);
                        missing++;
                    }
                } else {
                    values[i] = impute(state.lastValues[v++]);
                    missing++;
                }
                i++;
            }
        }
        if (text != null) {
            long count = acc == null ? 0 : acc.textCount;
            values[i] = count;
            observed[i++] = true;
            if (count > 0) {
                values[i] = acc.textChars / (double) count;
                observed[i] = true;
                state.lastValues[v] = values[i];
            } else {
                values[i] = impute(state.lastValues[v]);
                missing++;
            }
            i++;
            for (int b = 0; b < bucketCount(); b++) {
                values[i] = acc == null ? 0 : acc.hashed[b];
                observed[i++] = true;
            }
            for (int k = 0; k < keywordCount(); k++) {
                values[i] = acc == null ? 0 : acc.keywords[k];
                observed[i++] = true;
            }
        }
        imputed[0] = missing;
        return new FeatureVector(spec.id(), start, start + settings.windowSize().toMillis(), values, observed);
    }

    private double impute(double last) {
        return settings.imputation() == IngestSettings.Imputation.CARRY_FORWARD && !Double.isNaN(last) ? last : 0.0;
    }
}
