package dev.streamcast.forecaster;

import dev.streamcast.contracts.json.Encoding;
import dev.streamcast.forecaster.model.ModelLoader;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Settings for tests that build the topology themselves: bundles from a folder, in-memory state. */
public final class TestSettings {

    private TestSettings() {
    }

    public static ForecasterSettings of(Path bundles, String model, int maxBatch, boolean inMemory) {
        return withTtl(bundles, model, maxBatch, inMemory, Duration.ofDays(7));
    }

    public static ForecasterSettings withTtl(Path bundles, String model, int maxBatch, boolean inMemory, Duration ttl) {
        return of(bundles, model, maxBatch, inMemory, ttl, Encoding.JSON);
    }

    /** With {@code encoding} on both {@code features} and {@code forecasts}. */
    public static ForecasterSettings of(Path bundles, String model, int maxBatch, boolean inMemory, Duration ttl,
                                        Encoding encoding) {
        return new ForecasterSettings(model, "champion", Optional.of(bundles.toString()), "target/cache", Duration.ofSeconds(1),
                Optional.empty(), Optional.empty(), maxBatch, Duration.ofMillis(50), inMemory, ttl,
                Duration.ofMinutes(1), true, 64, List.of("1", "H"), false, "challenger", ModelLoader.Provider.CPU, 0, 1, false,
                encoding, encoding, Duration.ofSeconds(2), 3, Duration.ofSeconds(10), 3, 120);
    }
}
