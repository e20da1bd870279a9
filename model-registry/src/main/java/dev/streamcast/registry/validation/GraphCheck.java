package dev.streamcast.registry.validation;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.InvalidBundleException;
import dev.streamcast.contracts.bundle.StateTensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Loads every ONNX file of a bundle in ONNX Runtime and checks that the graphs have the interface
 * the manifest promises (contracts README, "Graph interface"), so that a version the registry
 * accepts is one the forecaster can run:
 * <ul>
 *   <li>{@code step.onnx}: inputs exactly {@code x} [B, F] and one per state tensor (carry
 *       [B, shape...], window [B, L, shape...]); outputs exactly {@code yhat} [B, H, T] (or
 *       [B, H, T, Q]) and each state tensor's {@code .next} or {@code .new} output [B, shape...];</li>
 *   <li>{@code sequence.onnx}: input exactly {@code x} [B, S, F]; output exactly {@code yhat}
 *       [B, S, H, T] (or [B, S, H, T, Q]);</li>
 *   <li>every other {@code .onnx} file: it loads.</li>
 * </ul>
 * All tensors are float32; symbolic dimensions (B, S) match any size. Every session is closed.
 */
public final class GraphCheck {

    private static final long ANY = -1;

    private final OrtEnvironment env;

    public GraphCheck(OrtEnvironment env) {
        this.env = env;
    }

    /** Throws {@link InvalidBundleException} listing every difference between the graphs and the manifest. */
    public void verify(Path dir, BundleManifest manifest, String source) throws InvalidBundleException {
        List<String> problems = new ArrayList<>();
        int f = manifest.featureSpec().size();
        int h = manifest.horizon();
        int t = manifest.targets().size();
        int q = manifest.quantiles().length;
        for (String file : new TreeSet<>(manifest.files().keySet())) {
            if (!file.endsWith(".onnx")) {
                continue;
            }
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setIntraOpNumThreads(1);
                options.setInterOpNumThreads(1);
                options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
                try (OrtSession session = env.createSession(dir.resolve(file).toString(), options)) {
                    if (file.equals(BundleManifest.STEP_FILE)) {
                        Map<String, long[]> inputs = new LinkedHashMap<>();
                        inputs.put(BundleManifest.INPUT, new long[]{ANY, f});
                        Map<String, long[]> outputs = new LinkedHashMap<>();
                        outputs.put(BundleManifest.OUTPUT, q > 0 ? new long[]{ANY, h, t, q} : new long[]{ANY, h, t});
                        for (StateTensor s : manifest.state()) {
                            inputs.put(s.name(), s.kind() == StateTensor.Kind.WINDOW
                                    ? prepend(s.shape(), ANY, s.length()) : prepend(s.shape(), ANY));
                            outputs.put(s.outputName(), prepend(s.shape(), ANY));
                        }
                        compare(file, "input", session.getInputInfo(), inputs, problems);
                        compare(file, "output", session.getOutputInfo(), outputs, problems);
                    } else if (file.equals(BundleManifest.SEQUENCE_FILE)) {
                        compare(file, "input", session.getInputInfo(), Map.of(BundleManifest.INPUT, new long[]{ANY, ANY, f}),
                                problems);
                        compare(file, "output", session.getOutputInfo(), Map.of(BundleManifest.OUTPUT,
                                q > 0 ? new long[]{ANY, ANY, h, t, q} : new long[]{ANY, ANY, h, t}), problems);
                    }
                }
            } catch (OrtException e) {
                problems.add(file + ": does not load in ONNX Runtime: " + firstLine(e.getMessage()));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidBundleException(source, problems);
        }
    }

    private static void compare(String file, String kind, Map<String, NodeInfo> actual, Map<String, long[]> expected,
                                List<String> problems) {
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            NodeInfo node = actual.get(e.getKey());
            String name = e.getKey();
            if (node == null) {
                problems.add(file + ": has no " + kind + " '" + name + "' (the manifest needs " + shape(e.getValue())
                        + "); its " + kind + "s are " + new TreeSet<>(actual.keySet()));
                continue;
            }
            if (!(node.getInfo() instanceof TensorInfo tensor)) {
                problems.add(file + ": " + kind + " '" + name + "' is not a tensor (" + node.getInfo() + ")");
                continue;
            }
            if (tensor.type != OnnxJavaType.FLOAT) {
                problems.add(file + ": " + kind + " '" + name + "' is " + tensor.type + ", expected float32");
            }
            long[] got = tensor.getShape();
            long[] want = e.getValue();
            boolean same = got.length == want.length;
            for (int i = 0; same && i < want.length; i++) {
                same = want[i] == ANY || got[i] < 0 || got[i] == want[i];
            }
            if (!same) {
                problems.add(file + ": " + kind + " '" + name + "' has shape " + shape(got) + " but the manifest implies "
                        + shape(want));
            }
        }
        for (String name : new TreeSet<>(actual.keySet())) {
            if (!expected.containsKey(name)) {
                problems.add(file + ": " + kind + " '" + name + "' is not in the manifest (expected exactly "
                        + new TreeSet<>(expected.keySet()) + ")");
            }
        }
    }

    private static long[] prepend(int[] shape, long... leading) {
        long[] out = Arrays.copyOf(leading, leading.length + shape.length);
        for (int i = 0; i < shape.length; i++) {
            out[leading.length + i] = shape[i];
        }
        return out;
    }

    private static String shape(long[] dims) {
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            out.append(i == 0 ? "" : ", ").append(dims[i] < 0 ? (i == 0 ? "B" : "?") : String.valueOf(dims[i]));
        }
        return out.append(']').toString();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
