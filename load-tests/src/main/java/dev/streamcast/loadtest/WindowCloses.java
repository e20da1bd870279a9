package dev.streamcast.loadtest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * The forecasts of each window, counted, with the latest of them: how long after the record that
 * closed its window (in its entity's partition) the window's last forecast came out, the freshness
 * a consumer waiting for a whole window sees. Kept per phase of a trial (the collector's warm-up
 * and measured ones) in one map, so a phase's first window takes the path every new window takes.
 * Written by the collector's thread, read by the harness's.
 */
final class WindowCloses {

    private record Tally(LongAdder forecasts, LongAccumulator lastMicros) {
    }

    private static final String LINE = "last forecast of each window after the record that closed it";

    private final ConcurrentSkipListMap<Long, Tally> windows = new ConcurrentSkipListMap<>();

    /** A forecast of {@code window} in {@code phase} (0 or 1), {@code latencyMicros} after the record that closed it. */
    void record(int phase, long window, long latencyMicros) {
        Tally t = windows.computeIfAbsent(window << 1 | phase, w -> new Tally(new LongAdder(), new LongAccumulator(Math::max, 0)));
        t.forecasts().increment();
        t.lastMicros().accumulate(latencyMicros);
    }

    void reset() {
        windows.clear();
    }

    /** Every window with a forecast in {@code phase}, in window order. */
    List<TrialResult.WindowClose> closes(int phase) {
        List<TrialResult.WindowClose> closes = new ArrayList<>();
        for (Map.Entry<Long, Tally> e : windows.entrySet()) {
            if ((e.getKey() & 1) == phase) {
                closes.add(new TrialResult.WindowClose(e.getKey() >> 1, e.getValue().forecasts().sum(),
                        e.getValue().lastMicros().get() / 1000.0));
            }
        }
        return closes;
    }

    /**
     * One line for the console: each close when there are at most {@code listed}, else the slowest
     * and the median of their last forecasts; empty for none.
     */
    static String describe(List<TrialResult.WindowClose> closes, int listed) {
        if (closes.isEmpty()) {
            return "";
        }
        if (closes.size() <= listed) {
            List<String> each = new ArrayList<>();
            for (TrialResult.WindowClose c : closes) {
                each.add(String.format(Locale.ROOT, "window %d: %.0f ms (%d forecasts)", c.window(), c.lastMs(), c.forecasts()));
            }
            return LINE + ": " + String.join(", ", each);
        }
        TrialResult.WindowClose slowest = closes.get(0);
        double[] last = new double[closes.size()];
        for (int i = 0; i < last.length; i++) {
            TrialResult.WindowClose c = closes.get(i);
            last[i] = c.lastMs();
            if (c.lastMs() > slowest.lastMs()) {
                slowest = c;
            }
        }
        Arrays.sort(last);
        double median = last.length % 2 == 1 ? last[last.length / 2] : (last[last.length / 2 - 1] + last[last.length / 2]) / 2;
        return String.format(Locale.ROOT, "%s, %d windows: median %.0f ms, slowest %.0f ms (window %d, %d forecasts)", LINE,
                closes.size(), median, slowest.lastMs(), slowest.window(),
                slowest.forecasts());
    }
}
