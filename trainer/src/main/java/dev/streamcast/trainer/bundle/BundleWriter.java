package dev.streamcast.trainer.bundle;

import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.Manifests;
import dev.streamcast.contracts.records.FeatureSpec;
import dev.streamcast.trainer.arch.TrainedModel;
import dev.streamcast.trainer.data.Dataset;
import dev.streamcast.trainer.onnx.Graph;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes a model bundle: step.onnx, sequence.onnx and the manifest listing their sha256. */
public final class BundleWriter {

    private BundleWriter() {
    }

    public static BundleManifest write(Path dir, String name, TrainedModel model, Dataset data, Map<String, Double> metrics)
            throws IOException {
        Files.createDirectories(dir);
        byte[] step = model.stepGraph().toByteArray();
        byte[] sequence = model.sequenceGraph().toByteArray();
        Files.write(dir.resolve(BundleManifest.STEP_FILE), step);
        Files.write(dir.resolve(BundleManifest.SEQUENCE_FILE), sequence);
        Map<String, String> files = new LinkedHashMap<>();
        files.put(BundleManifest.STEP_FILE, Manifests.sha256(step));
        files.put(BundleManifest.SEQUENCE_FILE, Manifests.sha256(sequence));
        BundleManifest manifest = new BundleManifest(BundleManifest.FORMAT_VERSION, name, model.architecture(),
                model.hyperParameters(), FeatureSpec.of(data.stepMillis(), data.inputs()), data.targets(),
                data.horizon(), model.quantiles(), data.mean(), data.std(), model.state(), model.warmUpSteps(),
                data.trainingData(),
                metrics, model.parameterCount(), Graph.OPSET, files, TrainerVersion.version(), TrainerVersion.revision());
        Manifests.write(dir, manifest);
        return manifest;
    }
}
