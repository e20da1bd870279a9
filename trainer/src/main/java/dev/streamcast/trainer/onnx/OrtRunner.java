package dev.streamcast.trainer.onnx;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.StateTensor;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs exported graphs in ONNX Runtime the way the forecaster does: the sequence graph in one
 * call, and the step graph iterated step by step with the state kept outside the graph (carry
 * tensors replaced, window rings appended to, oldest first). Used by the parity tests and
 * benchmarks and for the step latency in the comparison table.
 */
public final class OrtRunner {

    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    private OrtRunner() {
    }

    public static OrtSession session(OnnxMl.ModelProto model) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        options.setInterOpNumThreads(1);
        return ENV.createSession(model.toByteArray(), options);
    }

    /** x [B, S, F] to yhat [B, S, H, T] (flattened) through the sequence graph. */
    public static float[] sequence(OnnxMl.ModelProto model, float[] x, int batch, int steps, int features) throws OrtException {
        try (OrtSession session = session(model);
             OnnxTensor input = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(x), new long[]{batch, steps, features});
             OrtSession.Result result = session.run(Map.of(BundleManifest.INPUT, input))) {
            return flatten((OnnxTensor) result.get(BundleManifest.OUTPUT).orElseThrow());
        }
    }

    /** x [B, S, F] to yhat [B, S, H, T] (flattened) by iterating the step graph from zero state. */
    public static float[] iterate(OnnxMl.ModelProto model, List<StateTensor> state, float[] x, int batch, int steps,
                                  int features) throws OrtException {
        try (OrtSession session = session(model)) {
            Stepper stepper = new Stepper(session, state, batch);
            List<float[]> outputs = new ArrayList<>();
            float[] xt = new float[batch * features];
            for (int s = 0; s < steps; s++) {
                for (int b = 0; b < batch; b++) {
                    System.arraycopy(x, (b * steps + s) * features, xt, b * features, features);
                }
                outputs.add(stepper.step(xt, features));
            }
            int out = outputs.get(0).length / batch;
            float[] all = new float[batch * steps * out];
            for (int s = 0; s < steps; s++) {
                for (int b = 0; b < batch; b++) {
                    System.arraycopy(outputs.get(s), b * out, all, (b * steps + s) * out, out);
                }
            }
            return all;
        }
    }

    /** The median wall time of one step call at this batch size, in microseconds. */
    public static double stepMicros(OnnxMl.ModelProto model, List<StateTensor> state, int batch, int features, int calls)
            throws OrtException {
        try (OrtSession session = session(model)) {
            Stepper stepper = new Stepper(session, state, batch);
            float[] xt = new float[batch * features];
            java.util.Random random = new java.util.Random(1);
            for (int i = 0; i < xt.length; i++) {
                xt[i] = (float) random.nextGaussian();
            }
            for (int i = 0; i < Math.max(10, calls / 10); i++) {
                stepper.step(xt, features);
            }
            long[] nanos = new long[calls];
            for (int i = 0; i < calls; i++) {
                long start = System.nanoTime();
                stepper.step(xt, features);
                nanos[i] = System.nanoTime() - start;
            }
            Arrays.sort(nanos);
            return nanos[calls / 2] / 1000.0;
        }
    }

    /** Per-entity state for a batch, kept in Java between step calls. */
    private static final class Stepper {
        private final OrtSession session;
        private final List<StateTensor> state;
        private final int batch;
        private final Map<String, float[]> values = new HashMap<>();

        Stepper(OrtSession session, List<StateTensor> state, int batch) {
            this.session = session;
            this.state = state;
            this.batch = batch;
            for (StateTensor t : state) {
                int entries = t.kind() == StateTensor.Kind.WINDOW ? t.length() : 1;
                values.put(t.name(), new float[(int) (batch * entries * t.entryElements())]);
            }
        }

        float[] step(float[] xt, int features) throws OrtException {
            Map<String, OnnxTensor> inputs = new HashMap<>();
            try {
                inputs.put(BundleManifest.INPUT, OnnxTensor.createTensor(ENV, FloatBuffer.wrap(xt), new long[]{batch, features}));
                for (StateTensor t : state) {
                    long[] shape = shape(t);
                    inputs.put(t.name(), OnnxTensor.createTensor(ENV, FloatBuffer.wrap(values.get(t.name())), shape));
                }
                try (OrtSession.Result result = session.run(inputs)) {
                    for (StateTensor t : state) {
                        float[] update = flatten((OnnxTensor) result.get(t.outputName()).orElseThrow());
                        if (t.kind() == StateTensor.Kind.CARRY) {
                            values.put(t.name(), update);
                        } else {
                            append(values.get(t.name()), update, t.length(), (int) t.entryElements());
                        }
                    }
                    return flatten((OnnxTensor) result.get(BundleManifest.OUTPUT).orElseThrow());
                }
            } finally {
                inputs.values().forEach(OnnxTensor::close);
            }
        }

        private long[] shape(StateTensor t) {
            long[] dims = new long[t.shape().length + (t.kind() == StateTensor.Kind.WINDOW ? 2 : 1)];
            dims[0] = batch;
            int i = 1;
            if (t.kind() == StateTensor.Kind.WINDOW) {
                dims[i++] = t.length();
            }
            for (int d : t.shape()) {
                dims[i++] = d;
            }
            return dims;
        }

        /** Drops the oldest entry of each entity's ring [L, E] and appends the new one. */
        private void append(float[] rings, float[] entries, int length, int entry) {
            for (int b = 0; b < batch; b++) {
                int base = b * length * entry;
                System.arraycopy(rings, base + entry, rings, base, (length - 1) * entry);
                System.arraycopy(entries, b * entry, rings, base + (length - 1) * entry, entry);
            }
        }
    }

    static float[] flatten(OnnxTensor tensor) {
        FloatBuffer buffer = tensor.getFloatBuffer();
        float[] out = new float[buffer.remaining()];
        buffer.get(out);
        return out;
    }
}
