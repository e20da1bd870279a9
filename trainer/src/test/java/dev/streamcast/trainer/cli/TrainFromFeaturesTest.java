package dev.streamcast.trainer.cli;

import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.Manifests;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.contracts.records.FeatureVector;
import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.testkit.KafkaFixture;
import dev.streamcast.testkit.Signals;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code train --data kafka:features} against a real broker: the history of every entity up to
 * now becomes one panel, named by the spec on {@code feature-specs}, and the bundle records it.
 */
class TrainFromFeaturesTest {

    @RegisterExtension
    static final KafkaFixture kafka = new KafkaFixture();

    static final long HOUR = 3_600_000L;
    static final long START = 1_700_000_000_000L / HOUR * HOUR;
    static final FeatureSpec SPEC = FeatureSpec.of(HOUR, List.of("load_mw.mean", "oil_c.mean"));
    static final FeatureSpec OTHER = FeatureSpec.of(HOUR, List.of("load_mw.last"));
    static final int STEPS = 400;

    @TempDir
    Path dir;

    static double value(int entity, int step, int feature) {
        return Signals.value(entity, feature, step, 24);
    }

    @BeforeAll
    static void produceHistory() throws Exception {
        kafka.createTopics(Topics.ALL);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.producerProperties())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            Consumer<ProducerRecord<byte[], byte[]>> send = record -> sent.add(producer.send(record));
            for (FeatureSpec spec : List.of(SPEC, OTHER)) {
                send.accept(new ProducerRecord<>(Topics.FEATURE_SPECS.name(), spec.id().getBytes(StandardCharsets.UTF_8),
                        Codecs.FEATURE_SPEC.encode(spec)));
            }
            for (int e = 0; e < 3; e++) {
                byte[] key = ("transformer-" + e).getBytes(StandardCharsets.UTF_8);
                for (int s = 0; s < STEPS; s++) {
                    FeatureVector v = new FeatureVector(SPEC.id(), START + s * HOUR, START + (s + 1) * HOUR,
                            new double[]{value(e, s, 0), value(e, s, 1)}, new boolean[]{true, true});
                    send.accept(new ProducerRecord<>(Topics.FEATURES.name(), key, Codecs.FEATURE_VECTOR.encode(v)));
                }
            }
            byte[] shortKey = "transformer-new".getBytes(StandardCharsets.UTF_8);
            for (int s = 0; s < 20; s++) { // too little history for a window in each split: left out
                send.accept(new ProducerRecord<>(Topics.FEATURES.name(), shortKey, Codecs.FEATURE_VECTOR.encode(
                        new FeatureVector(SPEC.id(), START + s * HOUR, START + (s + 1) * HOUR, new double[]{1, 2}, new boolean[]{true, true}))));
            }
            for (int s = 0; s < 50; s++) { // another spec, fewer vectors: not chosen by default
                send.accept(new ProducerRecord<>(Topics.FEATURES.name(), "feeder-1".getBytes(StandardCharsets.UTF_8),
                        Codecs.FEATURE_VECTOR.encode(new FeatureVector(OTHER.id(), START + s * HOUR, START + (s + 1) * HOUR,
                                new double[]{s}, new boolean[]{true}))));
            }
            send.accept(new ProducerRecord<>(Topics.FEATURES.name(), "transformer-0".getBytes(StandardCharsets.UTF_8),
                    "{\"specId\": ".getBytes(StandardCharsets.UTF_8)));
            producer.flush();
            for (Future<RecordMetadata> f : sent) {
                f.get();   // a record the broker did not take fails here, with its cause, not later as a count
            }
        }
    }

    @Test
    void trainsOnePanelOverEveryEntityAndRecordsTheSpecAndTrainingRange() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = TrainCommand.run(new String[]{"--data", "kafka:features", "--bootstrap-servers", kafka.bootstrapServers(),
                "--arch", "last-value,dlinear", "--mode", "S", "--target", "oil_c.mean", "--horizon", "6", "--lookback", "24",
                "--epochs", "1", "--max-train-windows", "64", "--season", "24", "--trend-kernel", "5",
                "--out", dir.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(status).isZero();
        assertThat(printed)
                .contains("read " + (3 * STEPS + 20) + " vectors of spec " + SPEC.id() + " (2 features) for 4 entities from kafka:features")
                .contains("skipped 1 undecodable vectors (first at features-")
                .contains("training on spec " + SPEC.id())
                .contains("left out kafka:features#transformer-new");
        BundleManifest manifest = Manifests.read(dir.resolve("features-S-h6/dlinear"));
        assertThat(manifest.featureSpec().names()).containsExactly("oil_c.mean");
        assertThat(manifest.featureSpec().stepMillis()).isEqualTo(HOUR);
        assertThat(manifest.trainingData().source()).isEqualTo("kafka:features (3 series)");
        int trainRows = (int) (STEPS * 0.6);
        assertThat(manifest.trainingData().rows()).isEqualTo(3L * trainRows);
        assertThat(manifest.trainingData().from()).isEqualTo(START);
        assertThat(manifest.trainingData().to()).isEqualTo(START + trainRows * HOUR);
        double sum = 0;
        for (int e = 0; e < 3; e++) {
            for (int s = 0; s < trainRows; s++) {
                sum += value(e, s, 1);
            }
        }
        assertThat(manifest.mean()[0]).isCloseTo(sum / (3 * trainRows), within(1e-9));
    }

    @Test
    void anUnknownSpecOrAnUnreachableBrokerIsAClearError() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errors = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream ignored = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

        assertThat(TrainCommand.run(new String[]{"--data", "kafka:features", "--bootstrap-servers", kafka.bootstrapServers(),
                "--spec", "00000000deadbeef", "--out", dir.toString()}, ignored, errors)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--spec 00000000deadbeef: no vectors of that spec")
                .contains(SPEC.id() + "=" + (3 * STEPS + 20)).contains(OTHER.id() + "=50");

        err.reset();
        assertThat(TrainCommand.run(new String[]{"--data", "kafka:features", "--bootstrap-servers", kafka.bootstrapServers(),
                "--target", "OT", "--out", dir.toString()}, ignored, errors)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--target OT: not a feature of spec " + SPEC.id()
                + "; its features: [load_mw.mean, oil_c.mean]");

        err.reset();
        assertThat(TrainCommand.run(new String[]{"--data", "kafka:features", "--bootstrap-servers", "127.0.0.1:1",
                "--kafka-timeout-s", "2", "--out", dir.toString()}, ignored, errors)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no answer from Kafka at 127.0.0.1:1 within 2 s");
    }
}
