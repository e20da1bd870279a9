package dev.streamcast.trainer.service;

import dev.streamcast.trainer.eval.Comparison;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One training run of the service: why it started (its trigger and reason), where it is, and what it did. Written by
 * the run's own thread, read by the REST API's: every field a reader sees is volatile or copied under the lock.
 */
public final class Run {

    /** What started a run. */
    public enum Trigger { BOOTSTRAP, SCHEDULE, DRIFT, HISTORY, REQUEST }

    public enum State { RUNNING, SUCCEEDED, REFUSED, FAILED, CANCELLED }

    private static final int PROGRESS_LINES = 40;

    private final long id;
    private final Trigger trigger;
    private final String reason;
    private final long startedAt;
    private volatile State state = State.RUNNING;
    private volatile long endedAt;
    private volatile String outcome = "";
    private volatile boolean cancelRequested;
    private final Deque<String> progress = new ArrayDeque<>();
    private final List<Map<String, Object>> rows = new ArrayList<>();
    private final Map<String, Object> result = new LinkedHashMap<>();

    Run(long id, Trigger trigger, String reason, long startedAt) {
        this.id = id;
        this.trigger = trigger;
        this.reason = reason;
        this.startedAt = startedAt;
    }

    public long id() {
        return id;
    }

    public Trigger trigger() {
        return trigger;
    }

    public String reason() {
        return reason;
    }

    public String outcome() {
        return outcome;
    }

    public State state() {
        return state;
    }

    public long startedAt() {
        return startedAt;
    }

    /** When it ended, 0 while it runs. */
    public long endedAt() {
        return endedAt;
    }

    /** Its latest progress line, empty before the first. */
    public synchronized String lastProgress() {
        return progress.isEmpty() ? "" : progress.getLast();
    }

    /** A result it recorded ({@code winner}, {@code version}, {@code alias}, ...), or null. */
    public synchronized Object result(String key) {
        return result.get(key);
    }

    public boolean running() {
        return state == State.RUNNING;
    }

    boolean cancelRequested() {
        return cancelRequested;
    }

    void requestCancel() {
        cancelRequested = true;
    }

    synchronized void log(String line) {
        if (progress.size() == PROGRESS_LINES) {
            progress.removeFirst();
        }
        progress.addLast(line);
    }

    synchronized void compared(List<Comparison.Row> compared) {
        for (Comparison.Row r : compared) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("arch", r.arch());
            row.put("valMse", finite(r.valMse()));
            row.put("mse", finite(r.mse()));
            row.put("mae", finite(r.mae()));
            row.put("learningRate", r.learningRate());
            row.put("stateBytes", r.stateBytes());
            row.put("stepMicrosB1", finite(r.stepMicrosB1()));
            row.put("trainSeconds", finite(r.trainSeconds()));
            rows.add(row);
        }
    }

    synchronized void result(String key, Object value) {
        result.put(key, value);
    }

    void end(State end, String what, long at) {
        outcome = what;
        endedAt = at;
        state = end;
    }

    private static Double finite(double x) {
        return Double.isFinite(x) ? x : null;
    }

    /** The run as {@code /api/runs} shows it. */
    public synchronized Map<String, Object> view() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", id);
        v.put("trigger", trigger.name().toLowerCase(java.util.Locale.ROOT));
        v.put("reason", reason);
        v.put("state", state.name().toLowerCase(java.util.Locale.ROOT));
        v.put("startedAt", startedAt);
        v.put("endedAt", endedAt == 0 ? null : endedAt);
        v.put("outcome", outcome);
        v.put("cancelRequested", cancelRequested);
        v.put("architectures", List.copyOf(rows));
        v.putAll(result);
        v.put("progress", List.copyOf(progress));
        return v;
    }
}
