package dev.streamcast.forecaster.model;

import dev.streamcast.trainer.testing.TestBundles;
import dev.streamcast.forecaster.TestStream;
import dev.streamcast.trainer.data.Mode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelLoaderTest {

    @TempDir
    Path bundles;

    @Test
    void askingForCudaWithoutItIsAClearErrorAndCpuLoadsTheSameBundle() throws Exception {
        TestStream.bundle(bundles, "fleet", 1, "last-value", Mode.S);
        Path dir = bundles.resolve("fleet/1");

        // the default build carries the CPU-only ONNX Runtime: CUDA is never available in it
        assertThatThrownBy(() -> new ModelLoader(ModelLoader.Provider.CUDA, 0, 1).load(dir, 1, null))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("forecaster.execution-provider=cuda, but CUDA is not available here")
                .hasMessageContaining("-Pcuda");
        try (ServedModel model = new ModelLoader(ModelLoader.Provider.CPU, 0, 1).load(dir, 1, TestBundles.sha256(bundles, "fleet", 1))) {
            assertThat(model.ref()).isEqualTo("fleet@1");
        }
        assertThatThrownBy(() -> ModelLoader.provider("tpu")).hasMessage("forecaster.execution-provider must be cpu or cuda, got 'tpu'");
        assertThatThrownBy(() -> new ModelLoader(ModelLoader.Provider.CPU, 0, 1).load(dir, 1, "0".repeat(64)))
                .hasMessageContaining("was announced with " + "0".repeat(64) + "; refusing it");
    }
}
