package dev.streamcast.loadtest;

import java.util.Arrays;
import java.util.Locale;

/**
 * The named load-test scenarios ({@code --scenario}); each sets defaults that options override.
 * See load-tests/README.md for what each shows and how to read it.
 */
public enum Scenario {
    /** a constant rate */
    STEADY(1_000, 2_000),
    /** a constant rate with 10 × the rate for 10 s a third of the way into the measurement */
    BURST(1_000, 1_000),
    /** 10^5 keys: state and windows of a large fleet */
    MANY_ENTITIES_100K(100_000, 10_000),
    /** 10^6 keys (RocksDB window store in ingest) */
    MANY_ENTITIES_1M(1_000_000, 10_000),
    /** champion moved to a second model a third of the way into the measurement */
    HOT_SWAP(1_000, 2_000),
    /** the forecaster SIGKILLed and restarted a third of the way in: every window forecast exactly once */
    KILL_RESTART(1_000, 2_000),
    /**
     * several instances of each service on 6 partitions: 2 of each, a third forecaster added, one stopped,
     * one SIGKILLed, every instance restarted one at a time, ending on one of each; verified exactly
     * once, in order, equal to the model offline, with the longest stall of any forecasts partition
     */
    SCALE_OUT(2_000, 1_000, 6);

    private final int entities;
    private final double rate;
    private final int partitions;

    Scenario(int entities, double rate) {
        this(entities, rate, 4);
    }

    Scenario(int entities, double rate, int partitions) {
        this.entities = entities;
        this.rate = rate;
        this.partitions = partitions;
    }

    /** Partitions of the run's data topics unless {@code --partitions} says otherwise. */
    public int defaultPartitions() {
        return partitions;
    }

    public int defaultEntities() {
        return entities;
    }

    public double defaultRate() {
        return rate;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Scenario of(String label) {
        for (Scenario s : values()) {
            if (s.label().equals(label)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown scenario '" + label + "'; one of "
                + Arrays.stream(values()).map(Scenario::label).toList());
    }
}
