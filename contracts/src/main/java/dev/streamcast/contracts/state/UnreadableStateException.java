package dev.streamcast.contracts.state;

/**
 * Stored state this release cannot read: written in another version of its {@link StateFormat}
 * (a newer release's, or an older one's), before the envelope existed, or of the right version but
 * corrupt (cut short or inconsistent: {@link #corrupt}). Checked, so every
 * reader of a store decides what to do with it (the policy: discard, count, log), and none can
 * fail a stream thread by forgetting.
 */
public final class UnreadableStateException extends Exception {

    private final int found;
    private final int expected;

    UnreadableStateException(StateFormat format, int found, byte[] stored) {
        super(format.name() + ": " + describe(found, stored) + ", this release reads version " + format.version());
        this.found = found;
        this.expected = format.version();
    }

    private UnreadableStateException(StateFormat format, int found, RuntimeException cause) {
        super(format.name() + ": version " + found + " but corrupt (" + cause + ")", cause);
        this.found = found;
        this.expected = format.version();
    }

    /** Bytes of a readable version that do not decode: the same policy applies as to another version. */
    public static UnreadableStateException corrupt(StateFormat format, byte[] stored, RuntimeException cause) {
        return new UnreadableStateException(format, StateFormat.versionOf(stored), cause);
    }

    /** The version found, or {@link StateFormat#NO_ENVELOPE}. */
    public int found() {
        return found;
    }

    public int expected() {
        return expected;
    }

    private static String describe(int found, byte[] stored) {
        if (found != StateFormat.NO_ENVELOPE) {
            return "written in version " + found;
        }
        if (stored == null || stored.length == 0) {
            return "empty (no format header)";
        }
        return "written before the versioned state format (no format header; first byte " + (stored[0] & 0xFF) + ")";
    }
}
