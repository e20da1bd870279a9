package dev.streamcast.trainer.arch;

import ai.onnxruntime.OrtEnvironment;
import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.GraphCheck;
import dev.streamcast.contracts.bundle.Manifests;
import dev.streamcast.trainer.testing.TestSeries;
import dev.streamcast.trainer.bundle.BundleWriter;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.data.Mode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The attention and state-space architectures, and the highway (with a quantile head: H x Q slots per target), write
 * bundles whose graphs have the interface their manifest promises.
 */
class StreamableBundleTest {

    private static final Dataset DATA = Dataset.of(TestSeries.hourly(400, java.util.List.of("HUFL", "OT"), 61), Mode.M, "OT", 24, 6);

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"transformer", "linear-attention", "s4d", "mamba", "gru-highway", "performer", "rwkv", "seq2seq",
            "conv-attention", "attention-gru", "lsh-attention", "sparsetsf"})
    void bundleGraphsMatchTheirStateSpec(String name) throws Exception {
        TrainOptions options = TrainOptions.defaults().withEpochs(1).withSize(8, 1).withMaxTrainWindows(16).withQuantiles(0.1, 0.9);
        try (TrainedModel model = QuantileHead.fit(Architectures.byName(name), DATA, options, TrainingProgress.SILENT)) {
            BundleWriter.write(dir, "synthetic-" + name, model, DATA, Map.of("mse", 1.0));
        }

        BundleManifest manifest = Manifests.read(dir);
        new GraphCheck(OrtEnvironment.getEnvironment()).verify(dir, manifest, dir.toString());

        assertThat(manifest.architecture()).isEqualTo(name);
        assertThat(manifest.quantiles()).containsExactly(0.1, 0.5, 0.9);
        assertThat(manifest.state()).isNotEmpty();
    }
}
