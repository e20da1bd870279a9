package dev.streamcast.registry;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Every {@code registry.*} setting; each one is documented in the module README. */
@ConfigMapping(prefix = "registry")
public interface RegistryConfig {

    /** Artifacts, staging, the H2 database and the generated write token live under this folder. */
    Path dataDir();

    Upload upload();

    Auth auth();

    Events events();

    interface Upload {
        /** The largest archive, and the largest unpacked bundle, accepted (413 beyond). */
        @WithDefault("512M")
        MemorySize maxSize();

        /** Entries per archive: a manifest and a few ONNX files. */
        @WithDefault("64")
        int maxFiles();
    }

    interface Auth {
        /** Bearer tokens that may write. When none is set, one is generated into {@link #tokenFile()}. */
        Optional<List<String>> writeTokens();

        /** Bearer tokens that may only read (403 on writes). */
        Optional<List<String>> readTokens();

        /** Whether reads need no token. */
        @WithDefault("true")
        boolean readOpen();

        /** Where the generated write token is kept; default {@code <data-dir>/write-token}. */
        Optional<Path> tokenFile();
    }

    interface Events {
        /** Publish model events to Kafka. */
        @WithDefault("true")
        boolean enabled();

        @WithDefault("model-events")
        String topic();

        /** How often the outbox is checked when nothing wakes the publisher (a restart, a broker outage). */
        @WithDefault("PT1S")
        Duration pollInterval();
    }
}
