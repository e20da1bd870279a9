package dev.streamcast.contracts.records;

/**
 * One free-text event of one entity on topic {@code text-events}: an operator note, a log line,
 * an alarm, a headline. {@code source} is optional (null when absent).
 *
 * <pre>{"ts": "2016-07-01T00:00:00Z", "text": "ALARM OT high", "source": "scada"}</pre>
 */
public record TextEvent(long ts, String text, String source) {

    public static final int MAX_SOURCE_CHARS = 128;

    public TextEvent {
        if (text == null) {
            throw new IllegalArgumentException("a text event needs its text");
        }
    }
}
