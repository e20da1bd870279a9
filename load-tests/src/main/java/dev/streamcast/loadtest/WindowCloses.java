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
 * The measured forecasts of each window, counted, with the latest of them: how long after the
 * record that closed its window (in its entity's partition) the window's last forecast came out,
 * the freshness a consumer waiting for a whole window sees. Written by the collector's thread,
 * read by the harness's.
 */
final class WindowCloses {

    private record Tally(LongAdder forecasts, LongAccumulator lastMicros) {
    }

    private static final String LINE = "last forecast of each window after the record that closed it";

    private final ConcurrentSkipListMap<Long, Tally> windows = new ConcurrentSkipListMap<>();

    void record(long window, long latencyMicros) {
        Tally t = windows.computeIfAbsent(window, w -> new Tally(new LongAdder(), new LongAccumulator(Math::max, 0)));
        t.forecasts().increment();
        t.lastMicros().accumulate(latencyMicros);
    }

    void reset() {
        windows.clear();
    }

    /** Every window with a measured forecast, in window order. */
    List<TrialResult.WindowClose> closes() {
        List<TrialResult.WindowClose> closes = new ArrayList<>();
        for (Map.Entry<Long, Tally> e : windows.entrySet()) {
            closes.add(new TrialResult.WindowClose(e.getKey(), e.getValue().forecasts().sum(), e.getValue().lastMicros().get() / 1000.0));
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
