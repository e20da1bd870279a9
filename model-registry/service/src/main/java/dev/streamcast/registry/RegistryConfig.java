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

    Ui ui();

    /** The registry's page. */
    interface Ui {
        /** Where the forecaster's live page is (the quickstart sets it); the registry's page links to it. */
        Optional<java.net.URI> livePageUrl();
    }

    interface Upload {
        /** The largest archive, and the largest unpacked bundle, accepted (413 beyond). */
        @WithDefault("512M")
        MemorySize maxSize();

        /** Entries per archive: a manifest and a few ONNX files. */
        @WithDefault("64")
        int maxFiles();
    }

    /**
     * Bearer tokens. Like every setting these also come from the environment, which {@code ps}
     * does not show ({@code REGISTRY_AUTH_WRITE_TOKENS}, {@code REGISTRY_AUTH_READ_TOKENS}, ...),
     * or from files; a {@code -D} on the command line is visible to every user of the machine.
     */
    interface Auth {
        /** Bearer tokens that may write, besides those in {@link #tokenFile()}. */
        Optional<List<String>> writeTokens();

        /** Bearer tokens that may only read (403 on writes), besides those in {@link #readTokenFile()}. */
        Optional<List<String>> readTokens();

        /** Whether reads need no token: off unless asked for, since a bundle and its lineage are not public by default. */
        @WithDefault("false")
        boolean readOpen();

        /**
         * A file of write tokens, one per line. Default, when no write token is set:
         * {@code <data-dir>/write-token}. A missing file is created with a fresh random token.
         */
        Optional<Path> tokenFile();

        /** A file of read tokens, one per line; it must exist. */
        Optional<Path> readTokenFile();
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
