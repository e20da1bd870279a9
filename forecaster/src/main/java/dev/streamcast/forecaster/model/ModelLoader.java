package dev.streamcast.forecaster.model;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.GraphCheck;
import dev.streamcast.contracts.bundle.OnnxEnvironment;
import dev.streamcast.contracts.bundle.InvalidBundleException;
import dev.streamcast.contracts.bundle.Manifests;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Loads a bundle folder for serving, refusing anything it cannot trust: every file's sha256
 * against the manifest, the bundle's identity against the sha256 the registry announced, and
 * the graphs' inputs, outputs and state tensors against the manifest (the same check the registry
 * applies on upload), before the step session is created on the configured execution provider.
 */
public final class ModelLoader {

    public enum Provider { CPU, CUDA }

    private final Provider provider;
    private final int cudaDevice;
    private final int intraOpThreads;

    public ModelLoader(Provider provider, int cudaDevice, int intraOpThreads) {
        this.provider = provider;
        this.cudaDevice = cudaDevice;
        this.intraOpThreads = intraOpThreads;
    }

    /** ONNX Runtime's environment ({@link OnnxEnvironment}: created on a thread with a large stack). */
    public static OrtEnvironment environment() {
        return OnnxEnvironment.get();
    }

    public static Provider provider(String name) {
        try {
            return Provider.valueOf(name.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("forecaster.execution-provider must be cpu or cuda, got '" + name + "'");
        }
    }

    /**
     * The bundle in {@code dir} as version {@code version}; {@code expectedSha256} (the sha256 of
     * manifest.json the registry announced) is checked unless null.
     */
    public ServedModel load(Path dir, long version, String expectedSha256) throws ModelLoadException {
        String source = dir.toString();
        BundleManifest manifest;
        String sha256;
        try {
            manifest = Manifests.read(dir);
            sha256 = Manifests.sha256(dir.resolve(BundleManifest.MANIFEST_FILE));
        } catch (InvalidBundleException e) {
            throw new ModelLoadException("bundle " + source + " is invalid: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ModelLoadException("bundle " + source + " cannot be read: " + e.getMessage(), e);
        }
        if (expectedSha256 != null && !expectedSha256.equals(sha256)) {
            throw new ModelLoadException("bundle " + source + " has sha256 " + sha256 + " but version " + version
                    + " was announced with " + expectedSha256 + "; refusing it");
        }
        OrtEnvironment env = environment();
        try {
            new GraphCheck(env).verify(dir, manifest, source);
        } catch (InvalidBundleException e) {
            throw new ModelLoadException("bundle " + source + " breaks its contract: " + e.getMessage(), e);
        }
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            if (provider == Provider.CUDA) {
                try {
                    options.addCUDA(cudaDevice);
                } catch (OrtException | UnsatisfiedLinkError | IllegalArgumentException e) {
                    throw new ModelLoadException("forecaster.execution-provider=cuda, but CUDA is not available here ("
                            + e.getMessage() + "); build with -Pcuda (onnxruntime_gpu) and run on a machine with an NVIDIA"
                            + " GPU and its driver, or set forecaster.execution-provider=cpu", e);
                }
            }
            OrtSession step = env.createSession(dir.resolve(BundleManifest.STEP_FILE).toString(), options);
            return new ServedModel(manifest, version, sha256, step);
        } catch (OrtException e) {
            throw new ModelLoadException("bundle " + source + ": step.onnx does not load: " + e.getMessage(), e);
        }
    }
}
