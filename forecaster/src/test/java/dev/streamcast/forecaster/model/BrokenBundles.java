package dev.streamcast.forecaster.model;

import ai.onnx.proto.OnnxMl;
import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.Manifests;
import dev.streamcast.trainer.onnx.Graph;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Real bundles made to fail in ONNX Runtime at run time, the way a broken export would: the step
 * graph gains a Gather whose index is out of range whenever the largest normalised input of the
 * batch is above a threshold ("indices element out of data bounds"). The graph still loads and
 * passes every check; only a step over the threshold fails. The manifest lists the new file's sha256.
 */
public final class BrokenBundles {

    private BrokenBundles() {
    }

    /** The bundle in {@code dir} fails every step whose batch has a normalised input above {@code threshold}. */
    public static void failAbove(Path dir, float threshold) throws IOException {
        Path step = dir.resolve(BundleManifest.STEP_FILE);
        String oldSha = Manifests.sha256(step);
        OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(step));
        long[] dims = dims(model.getGraph(), BundleManifest.OUTPUT);
        Graph g = Graph.extend(model);
        String raw = g.detachOutput(BundleManifest.OUTPUT);
        String largest = g.node("ReduceMax", new String[]{BundleManifest.INPUT}, Graph.Attr.i("keepdims", 0));
        String over = g.node("Greater", new String[]{largest, g.constant("threshold", new float[]{threshold}, 1)});
        String index = g.node("Cast", new String[]{over}, Graph.Attr.i("to", OnnxMl.TensorProto.DataType.INT64.getNumber()));
        String zero = g.node("Gather", new String[]{g.constant("table", new float[]{0f}, 1), index});
        g.output(g.node("Add", new String[]{raw, zero}), BundleManifest.OUTPUT, dims);
        OnnxMl.ModelProto broken = model.toBuilder().setGraph(g.buildGraph()).build();
        Files.write(step, broken.toByteArray());
        Path manifest = dir.resolve(BundleManifest.MANIFEST_FILE);
        String json = Files.readString(manifest, StandardCharsets.UTF_8);
        if (!json.contains(oldSha)) {
            throw new IllegalStateException("the manifest does not list " + step + "'s sha256");
        }
        Files.writeString(manifest, json.replace(oldSha, Manifests.sha256(step)), StandardCharsets.UTF_8);
    }

    private static long[] dims(OnnxMl.GraphProto graph, String output) {
        for (OnnxMl.ValueInfoProto info : graph.getOutputList()) {
            if (info.getName().equals(output)) {
                List<Long> dims = new ArrayList<>();
                for (OnnxMl.TensorShapeProto.Dimension d : info.getType().getTensorType().getShape().getDimList()) {
                    dims.add(d.hasDimParam() ? Graph.BATCH : d.getDimValue());
                }
                return dims.stream().mapToLong(Long::longValue).toArray();
            }
        }
        throw new IllegalArgumentException("no output " + output);
    }
}
