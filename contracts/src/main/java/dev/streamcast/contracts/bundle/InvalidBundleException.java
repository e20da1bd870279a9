package dev.streamcast.contracts.bundle;

import java.util.List;

/** A bundle or manifest that must not be used, with every problem found and where it came from. */
public final class InvalidBundleException extends Exception {

    private final String source;
    private final List<String> problems;

    public InvalidBundleException(String source, List<String> problems) {
        super("invalid model bundle " + source + ": " + String.join("; ", problems));
        this.source = source;
        this.problems = List.copyOf(problems);
    }

    public String source() {
        return source;
    }

    public List<String> problems() {
        return problems;
    }
}
