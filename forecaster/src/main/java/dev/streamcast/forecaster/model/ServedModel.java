package dev.streamcast.forecaster.model;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.contracts.records.ModelNames;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One model bundle loaded in ONNX Runtime, ready to step batches of entities: its manifest,
 * its step session (thread-safe, shared), and what the forecaster derives from the manifest.
 * Buffers are not here but in each caller's {@link StepBuffers}, since stream threads step in parallel.
 */
public final class ServedModel implements AutoCloseable {

    private final BundleManifest manifest;
    private final String ref;
    private final long version;
    private final String sha256;
    private final OrtSession step;
    private final int[] targetInputs;   // [T] index of each target among the model's inputs

    ServedModel(BundleManifest manifest, long version, String sha256, OrtSession step) {
        this.manifest = manifest;
        this.ref = ModelNames.versionRef(manifest.name(), version);
        this.version = version;
        this.sha256 = sha256;
        this.step = step;
        this.targetInputs = manifest.targets().stream().mapToInt(manifest::targetIndex).toArray();
    }

    public BundleManifest manifest() {
        return manifest;
    }

    /** {@code name@version}, as forecasts name their model. */
    public String ref() {
        return ref;
    }

    public long version() {
        return version;
    }

    /** The bundle's identity: sha256 of its manifest.json. */
    public String sha256() {
        return sha256;
    }

    public int features() {
        return manifest.featureSpec().size();
    }

    public int horizon() {
        return manifest.horizon();
    }

    public int targets() {
        return targetInputs.length;
    }

    /** Q, or 0 without a quantile head. */
    public int quantiles() {
        return manifest.quantiles().length;
    }

    /** The index of target k among the model's inputs (and so in mean/std). */
    public int targetInput(int k) {
        return targetInputs[k];
    }

    public List<StateTensor> state() {
        return manifest.state();
    }

    /** Floats of one entity's state: every carry tensor and every whole window ring. */
    public int stateFloats() {
        int n = 0;
        for (StateTensor t : manifest.state()) {
            n += (int) (t.entryElements() * (t.kind() == StateTensor.Kind.WINDOW ? t.length() : 1));
        }
        return n;
    }

    /** Floats of one entity's forecast: H x T (x Q). */
    public int outputFloats() {
        return horizon() * targets() * Math.max(1, quantiles());
    }

    /**
     * One step for {@code batch} entities. The caller has filled {@code buffers}' x [B, F] with
     * normalised inputs and its state inputs in the graph's layout; on return the buffers hold
     * yhat [B, H, T(, Q)] and each state tensor's update ([B, E] for carry and window alike).
     */
    public void step(StepBuffers buffers, int batch) throws OrtException {
        OrtEnvironment env = ModelLoader.environment();
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put(BundleManifest.INPUT, buffers.inputTensor(env, BundleManifest.INPUT, batch));
            for (StateTensor t : manifest.state()) {
                inputs.put(t.name(), buffers.inputTensor(env, t.name(), batch));
            }
            try (OrtSession.Result result = step.run(inputs)) {
                buffers.readOutput(BundleManifest.OUTPUT, (OnnxTensor) result.get(BundleManifest.OUTPUT).orElseThrow());
                for (StateTensor t : manifest.state()) {
                    buffers.readOutput(t.outputName(), (OnnxTensor) result.get(t.outputName()).orElseThrow());
                }
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    /** Buffers sized for this model at {@code maxBatch} entities. */
    public StepBuffers newBuffers(int maxBatch) {
        return new StepBuffers(this, maxBatch);
    }

    @Override
    public void close() {
        try {
            step.close();
        } catch (OrtException e) {
            throw new IllegalStateException("closing the session of " + ref + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return ref + " (" + manifest.architecture() + ", sha256 " + sha256.substring(0, Math.min(12, sha256.length())) + ")";
    }

    /**
     * Direct, native-order buffers for one model at a maximum batch size, reused across calls so a
     * step allocates nothing but ONNX Runtime's own outputs: one per input ([maxBatch, elements of
     * one entity]) and one per output. Not thread-safe: one per stream task.
     */
    public static final class StepBuffers {
        private final ServedModel model;
        private final int maxBatch;
        private final Map<String, FloatBuffer> in = new HashMap<>();
        private final Map<String, long[]> entityShape = new HashMap<>();
        private final Map<String, FloatBuffer> out = new HashMap<>();

        private StepBuffers(ServedModel model, int maxBatch) {
            this.model = model;
            this.maxBatch = maxBatch;
            add(in, BundleManifest.INPUT, new long[]{model.features()});
            for (StateTensor t : model.state()) {
                long[] shape = new long[t.shape().length + (t.kind() == StateTensor.Kind.WINDOW ? 1 : 0)];
                int i = 0;
                if (t.kind() == StateTensor.Kind.WINDOW) {
                    shape[i++] = t.length();
                }
                for (int d : t.shape()) {
                    shape[i++] = d;
                }
                add(in, t.name(), shape);
                out.put(t.outputName(), direct((int) t.entryElements() * maxBatch));
            }
            out.put(BundleManifest.OUTPUT, direct(model.outputFloats() * maxBatch));
        }

        public ServedModel model() {
            return model;
        }

        public int maxBatch() {
            return maxBatch;
        }

        private void add(Map<String, FloatBuffer> buffers, String name, long[] shape) {
            long elements = 1;
            for (long d : shape) {
                elements *= d;
            }
            buffers.put(name, direct((int) elements * maxBatch));
            entityShape.put(name, shape);
        }

        private static FloatBuffer direct(int floats) {
            return ByteBuffer.allocateDirect(Math.max(1, floats) * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        }

        /** The input buffer {@code name}, cleared, for the caller to fill entity after entity. */
        public FloatBuffer input(String name) {
            FloatBuffer b = in.get(name);
            b.clear();
            return b;
        }

        /** The output {@code name} of the last step, positioned at its start: [B, elements of one entity]. */
        public FloatBuffer output(String name) {
            FloatBuffer b = out.get(name);
            b.rewind();
            return b;
        }

        private OnnxTensor inputTensor(OrtEnvironment env, String name, int batch) throws OrtException {
            long[] perEntity = entityShape.get(name);
            long[] shape = new long[perEntity.length + 1];
            shape[0] = batch;
            System.arraycopy(perEntity, 0, shape, 1, perEntity.length);
            FloatBuffer b = in.get(name);
            b.position(0);
            b.limit((int) (elements(perEntity) * batch));
            return OnnxTensor.createTensor(env, b, shape); // direct: ONNX Runtime reads it in place
        }

        private void readOutput(String name, OnnxTensor tensor) {
            FloatBuffer target = out.get(name);
            target.clear();
            target.put(tensor.getFloatBuffer());
            target.flip();
        }

        private static long elements(long[] shape) {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }
}
