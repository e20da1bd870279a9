package dev.streamcast.ingest;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;

/** Every ingest setting; defaults run the quickstart. Documented in ingest/README.md. */
@ConfigMapping(prefix = "ingest")
public interface IngestConfig {

    Window window();

    /** Sensor channels that become features, in feature order. */
    @WithDefault("load_mw,ambient_c,oil_c,voltage_kv")
    List<String> channels();

    /** Per-channel aggregates that become features, in feature order: mean, min, max, last, count. */
    @WithDefault("mean,min,max,last,count")
    List<String> aggregates();

    /** What happens to a reading's channels that are not in {@link #channels()}: drop (with a metric) or dlq. */
    @WithDefault("drop")
    String unknownChannels();

    /** How gaps are filled: carry-forward (the last observed value) or zero. */
    @WithDefault("carry-forward")
    String imputation();

    /** An entity silent for longer than this stops emitting and its state is dropped. */
    @WithDefault("PT10M")
    Duration idleTimeout();

    Text text();

    Timestamps timestamps();

    /** How often the wall-clock punctuator runs. */
    @WithDefault("PT1S")
    Duration punctuateInterval();

    /**
     * Entities a window close reads per commit: when many windows close at once, the closed ones go
     * out in slices of this many entities, one slice per commit, so the forecaster starts on the
     * first while the next are made.
     */
    @WithDefault("10000")
    int closeSlice();

    /**
     * When a partition has been quiet for longer than the grace period, let its stream time
     * follow the wall clock so that windows still close (live streams); false for replays.
     */
    @WithDefault("true")
    boolean wallClockAdvance();

    /**
     * The per-entity window store: in-memory or rocksdb, both changelogged. In-memory is the
     * default: window state is small (about half a KiB per entity) and it measured about 1.5
     * times the records/s of RocksDB; choose rocksdb for millions of entities per instance.
     */
    @WithDefault("in-memory")
    String store();

    interface Window {
        @WithDefault("PT1M")
        Duration size();

        @WithDefault("PT10S")
        Duration grace();
    }

    interface Text {
        @WithDefault("true")
        boolean enabled();

        /** D, the number of signed feature-hashing buckets. */
        @WithDefault("16")
        int buckets();

        /** Token n-grams from 1 up to this n are hashed. */
        @WithDefault("2")
        int ngrams();

        @WithDefault("alarm,cleared,trip,fault,maintenance")
        List<String> keywords();

        /** Longer texts go to the DLQ (TEXT_TOO_LONG). */
        @WithDefault("4096")
        int maxChars();
    }

    interface Timestamps {
        /**
         * Records older than now minus this go to the DLQ (TIMESTAMP_OUT_OF_BOUNDS). Plus a window and its
         * grace, it must stay within the retention of {@code features} (seven days as streamcast creates it),
         * or the broker deletes the vectors of the oldest readings: ingest refuses to start otherwise.
         */
        @WithDefault("P6D")
        Duration maxPast();

        /** Records newer than now plus this go to the DLQ (TIMESTAMP_OUT_OF_BOUNDS). */
        @WithDefault("PT5M")
        Duration maxFuture();
    }
}
