package dev.streamcast.loadtest;

import java.util.ArrayList;
import java.util.List;

/**
 * An open-loop arrival schedule: a constant rate, or a sequence of constant-rate segments (a
 * burst is three). Record n of a trial is due at {@link #dueNanos(long)} after the trial
 * started, whatever happened to the records before it: latency counts from that time, so a
 * stalled system is not hidden by a sender that waited for it (no coordinated omission).
 */
public final class RateProfile {

    /** {@code rate} records per second for {@code seconds} (the last segment may run on for ever). */
    public record Segment(double seconds, double rate) {
        public Segment {
            if (!(rate > 0) || Double.isInfinite(rate)) {
                throw new IllegalArgumentException("a rate must be positive, got " + rate);
            }
            if (!(seconds > 0)) {
                throw new IllegalArgumentException("a segment must last a positive time, got " + seconds);
            }
        }
    }

    private final List<Segment> segments;
    private final double[] startSeconds;
    private final double[] startCount;

    public RateProfile(List<Segment> segments) {
        if (segments.isEmpty()) {
            throw new IllegalArgumentException("a rate profile needs a segment");
        }
        this.segments = List.copyOf(segments);
        startSeconds = new double[segments.size()];
        startCount = new double[segments.size()];
        for (int i = 1; i < segments.size(); i++) {
            Segment previous = segments.get(i - 1);
            startSeconds[i] = startSeconds[i - 1] + previous.seconds();
            startCount[i] = startCount[i - 1] + previous.seconds() * previous.rate();
        }
    }

    public static RateProfile constant(double rate) {
        return new RateProfile(List.of(new Segment(Double.MAX_VALUE, rate)));
    }

    /** {@code rate}, then {@code factor × rate} from {@code at} for {@code length} seconds, then {@code rate} again. */
    public static RateProfile burst(double rate, double at, double factor, double length) {
        List<Segment> segments = new ArrayList<>();
        segments.add(new Segment(at, rate));
        segments.add(new Segment(length, rate * factor));
        segments.add(new Segment(Double.MAX_VALUE, rate));
        return new RateProfile(segments);
    }

    /** When record n (from 0) is due, in nanoseconds after the start. */
    public long dueNanos(long n) {
        int i = segments.size() - 1;
        while (i > 0 && startCount[i] > n) {
            i--;
        }
        double seconds = startSeconds[i] + (n - startCount[i]) / segments.get(i).rate();
        return (long) (seconds * 1e9);
    }

    /** How many records are due in the first {@code seconds}. */
    public long countBy(double seconds) {
        int i = segments.size() - 1;
        while (i > 0 && startSeconds[i] > seconds) {
            i--;
        }
        return (long) Math.ceil(startCount[i] + (seconds - startSeconds[i]) * segments.get(i).rate() - 1e-9);
    }

    /** The rate at {@code seconds} after the start. */
    public double rateAt(double seconds) {
        int i = segments.size() - 1;
        while (i > 0 && startSeconds[i] > seconds) {
            i--;
        }
        return segments.get(i).rate();
    }

    /** The rate most of the time (the first segment's). */
    public double baseRate() {
        return segments.get(0).rate();
    }

    public List<Segment> segments() {
        return segments;
    }
}
