package dev.streamcast.contracts.bundle;

import ai.onnxruntime.OrtEnvironment;

/**
 * ONNX Runtime's one environment per JVM, created on a thread with a large stack: its native
 * start-up was measured to crash (SIGSEGV) on a default-sized thread stack when the JVM's class
 * path is long, as it is when a service runs from a Maven class path rather than quarkus-run.jar.
 */
public final class OnnxEnvironment {

    private static volatile OrtEnvironment environment;

    private OnnxEnvironment() {
    }

    public static OrtEnvironment get() {
        OrtEnvironment env = environment;
        if (env != null) {
            return env;
        }
        synchronized (OnnxEnvironment.class) {
            if (environment == null) {
                OrtEnvironment[] created = new OrtEnvironment[1];
                RuntimeException[] failed = new RuntimeException[1];
                Thread init = new Thread(null, () -> {
                    try {
                        created[0] = OrtEnvironment.getEnvironment();
                    } catch (RuntimeException e) {
                        failed[0] = e;
                    }
                }, "onnxruntime-init", 64L << 20);
                init.start();
                try {
                    init.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while starting ONNX Runtime", e);
                }
                if (failed[0] != null) {
                    throw failed[0];
                }
                environment = created[0];
            }
            return environment;
        }
    }
}
