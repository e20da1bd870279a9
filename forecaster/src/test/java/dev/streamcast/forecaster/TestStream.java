package dev.streamcast.forecaster;

import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.Manifests;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.model.DirectoryBundleSource;
import dev.streamcast.forecaster.model.ModelLoader;
import dev.streamcast.forecaster.model.ModelSlot;
import dev.streamcast.testkit.Signals;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.data.Mode;
import dev.streamcast.trainer.data.SeriesTable;
import dev.streamcast.trainer.testing.TestBundles;
import dev.streamcast.trainer.testing.TestSeries;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * The forecaster tests' stream: a feature spec of three channels on one-minute steps, the one test
 * signal ({@link Signals}) as feature vectors per entity, bundles of it made by the one test bundle
 * fixture ({@link TestBundles}), and the offline forecast of a bundle's sequence graph to compare
 * streaming with.
 */
public final class TestStream {

    public static final long STEP = 60_000L;
    public static final long START = 1_700_000_000_000L / STEP * STEP;
    public static final FeatureSpec SPEC = FeatureSpec.of(STEP, List.of("load_mw.mean", "oil_c.mean", "voltage_kv.mean"));
    public static final int LOOKBACK = 8;
    public static final int HORIZON = 4;
    /** Steps of one cycle of the signal. */
    public static final int PERIOD = 12;

    private TestStream() {
    }

    /** The raw value of feature {@code k} of entity {@code e} at step {@code s}. */
    public static double value(int e, int s, int k) {
        return Signals.value(e, k, s, PERIOD);
    }

    public static FeatureVector vector(int e, int s) {
        double[] values = new double[SPEC.size()];
        boolean[] observed = new boolean[SPEC.size()];
        for (int k = 0; k < values.length; k++) {
            values[k] = value(e, s, k);
            observed[k] = true;
        }
        return new FeatureVector(SPEC.id(), START + s * STEP, START + (s + 1) * STEP, values, observed);
    }

    /**
     * Sends steps [{@code from}, {@code to}) of entities {@code e0}..{@code e<entities-1>} to
     * {@code features}, each keyed by its entity and timestamped at its window's end, and flushes.
     */
    public static void produce(KafkaProducer<byte[], byte[]> producer, int entities, int from, int to) {
        produce(producer, entities, from, to, (e, v) -> v);
    }

    /** The same with each vector of entity {@code e<e>} as {@code change} makes it. */
    public static void produce(KafkaProducer<byte[], byte[]> producer, int entities, int from, int to,
                               java.util.function.BiFunction<Integer, FeatureVector, FeatureVector> change) {
        for (int s = from; s < to; s++) {
            for (int e = 0; e < entities; e++) {
                FeatureVector v = change.apply(e, vector(e, s));
                producer.send(new ProducerRecord<>(Topics.FEATURES.name(), null, v.windowEnd(),
                        ("e" + e).getBytes(StandardCharsets.UTF_8), Codecs.FEATURE_VECTOR.encode(v)));
            }
        }
        producer.flush();
    }

    /**
     * Trains {@code arch} briefly on a noisy history of the stream's signal and writes its bundle as
     * {@code <root>/<name>/<version>/}; mode S forecasts oil_c.mean from itself, M every feature.
     */
    public static BundleManifest bundle(Path root, String name, long version, String arch, Mode mode, double... quantiles)
            throws Exception {
        SeriesTable history = TestSeries.of("test-history", SPEC.names(), 3, 400, STEP, PERIOD, 0.1, 3);
        return TestBundles.write(root, name, version, arch, Dataset.of(history, mode, "oil_c.mean", LOOKBACK, HORIZON), PERIOD,
                quantiles);
    }

    /** A GRU of the stream (mode S) as {@code gru} version 1 in {@code root}, with the {@code champion} alias on it. */
    public static void gruChampion(Path root) throws Exception {
        bundle(root, "gru", 1, "gru", Mode.S);
        TestBundles.alias(root, "gru", "champion", 1);
    }

    /** The {@code served} slot of {@link #gruChampion}'s champion in {@code root}, loaded, on the CPU. */
    public static ModelSlot servedGru(Path root, ForecasterMetrics metrics) {
        ModelSlot slot = new ModelSlot("served", "gru", "champion", Topics.FORECASTS.name(), new DirectoryBundleSource(root),
                new ModelLoader(ModelLoader.Provider.CPU, 0, 1), metrics);
        if (!slot.loadFromAlias()) {
            throw new AssertionError("the test GRU did not load: " + slot.problem());
        }
        return slot;
    }

    /**
     * The bundle's sequence graph over entity {@code e}'s steps [0, steps), from zero state, in
     * original units: the point forecast after every step, [steps][H * T] (median with quantiles).
     */
    public static double[][] offline(Path bundle, int e, int steps) throws Exception {
        List<FeatureVector> vectors = new java.util.ArrayList<>();
        for (int s = 0; s < steps; s++) {
            vectors.add(vector(e, s));
        }
        return dev.streamcast.forecaster.parity.StreamingParity.offline(bundle, Manifests.read(bundle), SPEC.names(), vectors);
    }
}
