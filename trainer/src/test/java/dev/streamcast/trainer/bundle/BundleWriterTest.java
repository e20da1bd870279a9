package dev.streamcast.trainer.bundle;

import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.Manifests;
import dev.streamcast.trainer.testing.TestSeries;
import dev.streamcast.trainer.arch.DLinear;
import dev.streamcast.trainer.arch.TrainOptions;
import dev.streamcast.trainer.arch.TrainedModel;
import dev.streamcast.trainer.arch.TrainingProgress;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.data.Mode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class BundleWriterTest {

    @TempDir
    Path dir;

    @Test
    void aWrittenBundleReadsBackVerifiedWithEverythingTheForecasterNeeds() throws Exception {
        Dataset data = Dataset.of(TestSeries.hourly(700, List.of("HUFL", "OT"), 4), Mode.M, "OT", 24, 6);
        try (TrainedModel model = new DLinear().fit(data, TrainOptions.defaults().withEpochs(1).withMaxTrainWindows(64)
                .withSeason(24, 5), TrainingProgress.SILENT)) {
            BundleWriter.write(dir, "synthetic-M-h6", model, data, Map.of("mse", 0.5, "mae", 0.4));
        }

        BundleManifest manifest = Manifests.read(dir);

        assertThat(manifest.architecture()).isEqualTo("dlinear");
        assertThat(manifest.featureSpec().names()).containsExactly("HUFL", "OT");
        assertThat(manifest.featureSpec().stepMillis()).isEqualTo(3_600_000L);
        assertThat(manifest.targets()).containsExactly("HUFL", "OT");
        assertThat(manifest.horizon()).isEqualTo(6);
        assertThat(manifest.mean()).containsExactly(data.mean());
        assertThat(manifest.state()).hasSize(1);
        assertThat(manifest.stateBytesPerEntity()).isEqualTo(23 * 2 * 4);
        assertThat(manifest.warmUpSteps()).isEqualTo(24);
        assertThat(manifest.trainingData().rows()).isEqualTo(data.splits().trainEnd());
        assertThat(manifest.metrics()).containsEntry("mse", 0.5);
        assertThat(manifest.parameterCount()).isEqualTo(2 * (24 * 6 + 6));
        assertThat(manifest.files()).containsOnlyKeys("step.onnx", "sequence.onnx");
    }
}
