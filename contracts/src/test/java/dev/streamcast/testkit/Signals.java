package dev.streamcast.testkit;

import java.util.SplittableRandom;

/**
 * The one made-up signal of every module's tests: per entity, channel and step, a level, a cycle
 * of {@code period} steps, a faster second wave and a slow trend, plus seeded Gaussian noise when
 * asked. Every value is a pure function of its arguments, so a test can recompute any point
 * (an expected forecast input, a vector sent long ago) without keeping the series.
 */
public final class Signals {

    /** 2016-07-01T00:00:00Z, the first hour of ETTh1: where made-up hourly histories start. */
    public static final long START = 1_467_331_200_000L;
    public static final long HOUR = 3_600_000L;

    private Signals() {
    }

    /** The clean signal of {@code channel} of {@code entity} at {@code step}. */
    public static double value(int entity, int channel, long step, int period) {
        return 20 + 3 * entity + 7 * channel + 4 * Math.sin(2 * Math.PI * step / period + entity + channel)
                + 0.5 * Math.cos(0.7 * step * (channel + 1)) + 0.01 * step;
    }

    /** {@link #value} plus Gaussian noise of standard deviation {@code sd}, the same for the same arguments and seed. */
    public static double noisy(int entity, int channel, long step, int period, double sd, long seed) {
        long mixed = seed * 0x9E3779B97F4A7C15L ^ (entity * 0xBF58476D1CE4E5B9L) ^ (channel * 0x94D049BB133111EBL) ^ step;
        return value(entity, channel, step, period) + sd * new SplittableRandom(mixed).nextGaussian();
    }
}
