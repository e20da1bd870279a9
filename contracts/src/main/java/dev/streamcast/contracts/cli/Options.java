package dev.streamcast.contracts.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code --name value} command-line options with defaults. Unknown options and missing values
 * are errors that list what is accepted, because a typo silently ignored runs the wrong thing.
 */
public final class Options {

    private final String command;
    private final Map<String, String> values;
    private final Set<String> given;

    private Options(String command, Map<String, String> values, Set<String> given) {
        this.command = command;
        this.values = values;
        this.given = given;
    }

    public static Options parse(String[] args, Map<String, String> defaults, String command) {
        Map<String, String> values = new LinkedHashMap<>(defaults);
        Set<String> given = new java.util.HashSet<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            String value;
            int eq = name.indexOf('=');
            if (name.startsWith("--") && eq > 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw usage(command, defaults, "option " + name + " needs a value");
            }
            if (!defaults.containsKey(name)) {
                throw usage(command, defaults, "unknown option " + name);
            }
            values.put(name, value);
            given.add(name);
        }
        return new Options(command, values, given);
    }

    private static IllegalArgumentException usage(String command, Map<String, String> defaults, String problem) {
        StringBuilder text = new StringBuilder("streamcast " + command + ": " + problem + "\noptions (default):");
        defaults.forEach((name, value) -> text.append("\n  ").append(name).append(" (").append(value).append(')'));
        return new IllegalArgumentException(text.toString());
    }

    public String get(String name) {
        return values.get(name);
    }

    public boolean given(String name) {
        return given.contains(name);
    }

    public int getInt(String name) {
        return (int) getLong(name, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    public long getLong(String name, long min, long max) {
        String text = values.get(name);
        try {
            long value = Long.parseLong(text.strip());
            if (value < min || value > max) {
                throw new IllegalArgumentException("streamcast " + command + ": " + name + " must be between "
                        + min + " and " + max + ", got " + text);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("streamcast " + command + ": " + name + " must be a whole number, got '" + text + "'");
        }
    }

    public double getDouble(String name, double min, double max) {
        String text = values.get(name);
        try {
            double value = Double.parseDouble(text.strip());
            if (!(value >= min && value <= max)) {
                throw new IllegalArgumentException("streamcast " + command + ": " + name + " must be between "
                        + min + " and " + max + ", got " + text);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("streamcast " + command + ": " + name + " must be a number, got '" + text + "'");
        }
    }
}
