package dev.streamcast.ingest;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IngestSettingsTest {

    @Test
    void settingsThatMakeNoSenseAreRefusedNamingTheSetting() {
        TestSettings negativeGrace = new TestSettings();
        negativeGrace.grace = Duration.ofSeconds(-1);
        assertThatThrownBy(negativeGrace::build).hasMessage("ingest.window.grace must not be negative, got PT-1S");

        TestSettings shortIdle = new TestSettings();
        shortIdle.idleTimeout = Duration.ofSeconds(30);
        assertThatThrownBy(shortIdle::build).hasMessage("ingest.idle-timeout (PT30S) must be at least one window (PT1M)");

        TestSettings duplicates = new TestSettings();
        duplicates.channels = List.of("temp", "temp");
        assertThatThrownBy(duplicates::build).hasMessage("ingest.channels has duplicates: [temp, temp]");

        TestSettings noBuckets = new TestSettings();
        noBuckets.textBuckets = 0;
        assertThatThrownBy(noBuckets::build).hasMessage("ingest.text.buckets must be 1..4096, got 0");

        TestSettings nothing = new TestSettings();
        nothing.channels = List.of();
        nothing.textEnabled = false;
        assertThatThrownBy(nothing::build).hasMessageContaining("no features");
    }
}
