package dev.streamcast.contracts.bundle;

import dev.streamcast.contracts.records.FeatureSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ManifestsTest {

    private static final FeatureSpec SPEC = FeatureSpec.of(3_600_000L, List.of("HUFL", "OT"));

    @TempDir
    Path dir;

    /** A valid LSTM-like bundle in {@code dir}: two ONNX stand-in files and their manifest. */
    private BundleManifest writeBundle(List<StateTensor> state) throws IOException {
        byte[] step = "step graph bytes".getBytes(StandardCharsets.UTF_8);
        byte[] sequence = "sequence graph bytes".getBytes(StandardCharsets.UTF_8);
        Files.write(dir.resolve(BundleManifest.STEP_FILE), step);
        Files.write(dir.resolve(BundleManifest.SEQUENCE_FILE), sequence);
        BundleManifest manifest = manifest(state, Map.of(
                BundleManifest.STEP_FILE, Manifests.sha256(step),
                BundleManifest.SEQUENCE_FILE, Manifests.sha256(sequence)));
        Manifests.write(dir, manifest);
        return manifest;
    }

    static BundleManifest manifest(List<StateTensor> state, Map<String, String> files) {
        return new BundleManifest(1, "etth1-ot", "lstm", Map.of("hidden", 64L, "layers", 2L, "dropout", 0.1, "cell", "lstm"),
                SPEC, List.of("OT"), 96, new double[]{0.1, 0.5, 0.9}, new double[]{8.5, 13.3}, new double[]{5.8, 8.6},
                state, 96, new BundleManifest.TrainingData("csv:ETTh1.csv", 1_467_331_200_000L, 1_498_435_200_000L, 8640),
                Map.of("mse", 0.055, "mae", 0.18), 51_234L, 17, files, "0.1.0", "abc1234");
    }

    @Test
    void writtenBundleReadsBackIdenticalWithVerifiedFiles() throws Exception {
        BundleManifest written = writeBundle(List.of(StateTensor.carry("h", 2, 64), StateTensor.carry("c", 2, 64)));

        BundleManifest read = Manifests.read(dir);

        assertThat(read).isEqualTo(written);
        assertThat(read.stateBytesPerEntity()).isEqualTo(2 * 2 * 64 * 4);
        assertThat(Files.readString(dir.resolve("manifest.json"))).contains("\"stateBytesPerEntity\" : 1024");
    }

    @Test
    void stateBytesCountTheWholeWindowRing() {
        BundleManifest tcn = manifest(List.of(StateTensor.window("taps", 8, 32), StateTensor.carry("h", 16)), Map.of());
        assertThat(tcn.stateBytesPerEntity()).isEqualTo(8 * 32 * 4 + 16 * 4);
        assertThat(StateTensor.window("kv", 4, 2, 8).outputName()).isEqualTo("kv.new");
        assertThat(StateTensor.carry("h", 64).outputName()).isEqualTo("h.next");
    }

    @Test
    void aTamperedFileIsRefusedNamingIt() throws Exception {
        writeBundle(List.of(StateTensor.carry("h", 1, 8)));
        Files.writeString(dir.resolve(BundleManifest.STEP_FILE), "tampered");

        assertThatThrownBy(() -> Manifests.read(dir))
                .isInstanceOf(InvalidBundleException.class)
                .hasMessageContaining("files.step.onnx: sha256 is " + Manifests.sha256("tampered".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("but the manifest says");
    }

    @Test
    void aMissingFileOrManifestIsRefused() throws Exception {
        assertThatThrownBy(() -> Manifests.read(dir)).hasMessageContaining("no manifest.json in the bundle");
        writeBundle(List.of());
        Files.delete(dir.resolve(BundleManifest.SEQUENCE_FILE));
        assertThatThrownBy(() -> Manifests.read(dir)).hasMessageContaining("files.sequence.onnx: missing from the bundle");
    }

    @Test
    void everySemanticProblemIsReportedAtOnce() {
        BundleManifest bad = new BundleManifest(2, "../etc", " ", Map.of("layers", List.of(1)),
                SPEC, List.of("OT", "nope"), 0, new double[]{0.9, 0.1}, new double[]{1}, new double[]{1},
                List.of(new StateTensor("x", StateTensor.Kind.WINDOW, 0, new int[]{0})), -1,
                new BundleManifest.TrainingData("csv", 10, 5, 0), Map.of("mse", Double.NaN), -1, 99,
                Map.of("step.onnx", "XYZ", "../evil", "0".repeat(64)), "", null);

        assertThat(bad.problems()).containsExactlyInAnyOrder(
                "formatVersion: 2 is not supported (expected 1)",
                "name: '../etc' is not a safe name " + dev.streamcast.contracts.records.ModelNames.NAME.pattern(),
                "architecture: is required",
                "hyperParameters.layers: expected a number, string or boolean, got [1]",
                "targets: 'nope' is not a feature of spec " + SPEC.id(),
                "horizon: 0 is outside 1..10000",
                "quantiles: [0.9, 0.1] must be ascending within (0, 1)",
                "normalisation: 1 means and 1 stds for 2 features",
                "state: name 'x' must match [A-Za-z][A-Za-z0-9_]* and differ from 'x'",
                "state.x: length 0 must be at least 1 for a window",
                "state.x: shape [0] must be positive",
                "warmUpSteps: -1 must not be negative",
                "trainingData: to 5 is before from 10",
                "metrics.mse: not finite",
                "parameterCount: -1 must not be negative",
                "opset: 99 is outside 7..30",
                "files: 'sequence.onnx' is required",
                "files: '../evil' is not a plain file name",
                "files.step.onnx: sha256 'XYZ' is not 64 lower-case hex digits",
                "trainerVersion: is required");
    }

    @Test
    void zeroStdIsRefusedNamingTheFeature() {
        BundleManifest m = manifest(List.of(), Map.of("step.onnx", "0".repeat(64), "sequence.onnx", "1".repeat(64)));
        BundleManifest zeroStd = new BundleManifest(m.formatVersion(), m.name(), m.architecture(), m.hyperParameters(),
                m.featureSpec(), m.targets(), m.horizon(), m.quantiles(), m.mean(), new double[]{5.8, 0.0}, m.state(),
                m.warmUpSteps(), m.trainingData(), m.metrics(), m.parameterCount(), m.opset(), m.files(),
                m.trainerVersion(), m.sourceRevision());
        assertThat(zeroStd.problems()).containsExactly("normalisation.std[1] (OT): 0.0 must be finite and positive");
        assertThatThrownBy(() -> Manifests.write(dir, zeroStd)).hasMessageContaining("refusing to write an invalid manifest");
    }

    @Test
    void malformedManifestJsonNamesTheField() throws Exception {
        writeBundle(List.of(StateTensor.carry("h", 64)));
        String json = Files.readString(dir.resolve("manifest.json"));

        assertThatThrownBy(() -> Manifests.parse(json.replace("\"horizon\" : 96", "\"horizon\" : \"96\"")
                .getBytes(StandardCharsets.UTF_8), "upload"))
                .hasMessage("invalid model bundle upload: field 'horizon': expected a whole number (got \"96\")");
        assertThatThrownBy(() -> Manifests.parse(json.replace("\"stateBytesPerEntity\" : 256", "\"stateBytesPerEntity\" : 4")
                .getBytes(StandardCharsets.UTF_8), "upload"))
                .hasMessageContaining("field 'stateBytesPerEntity': does not match the state spec (256 bytes)");
        assertThatThrownBy(() -> Manifests.parse(json.replace("\"kind\" : \"carry\"", "\"kind\" : \"ring\"")
                .getBytes(StandardCharsets.UTF_8), "upload"))
                .hasMessageContaining("field 'state[0].kind': expected carry or window");
        assertThatThrownBy(() -> Manifests.parse(json.replace(SPEC.id(), "ffffffffffffffff")
                .getBytes(StandardCharsets.UTF_8), "upload"))
                .hasMessageContaining("field 'featureSpec.id': does not match the names and step");
        assertThatThrownBy(() -> Manifests.parse(json.substring(0, json.length() / 2).getBytes(StandardCharsets.UTF_8), "upload"))
                .hasMessageContaining("malformed JSON");
    }

    @Test
    void unknownManifestFieldsAreIgnored() throws Exception {
        BundleManifest written = writeBundle(List.of(StateTensor.carry("h", 64)));
        String json = Files.readString(dir.resolve("manifest.json")).replaceFirst("\\{", "{ \"futureField\": {\"a\": [1]},");
        assertThat(Manifests.parse(json.getBytes(StandardCharsets.UTF_8), "upload")).isEqualTo(written);
    }
}
