package dev.streamcast.trainer.training;

/**
 * DJL settings every entry point applies before the engine starts: offline (the native library
 * comes from the pytorch-native-cpu jar, nothing is downloaded), a project-local cache, one
 * inter-op thread. A value set on the command line (-D) wins.
 */
public final class DjlSetup {

    private DjlSetup() {
    }

    public static void configure() {
        setDefault("ai.djl.offline", "true");
        setDefault("DJL_CACHE_DIR", ".streamcast/djl");
        setDefault("ENGINE_CACHE_DIR", ".streamcast/djl");
        setDefault("ai.djl.pytorch.num_interop_threads", "1");
        setDefault("ai.djl.pytorch.num_threads", String.valueOf(Runtime.getRuntime().availableProcessors()));
        setDefault("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
