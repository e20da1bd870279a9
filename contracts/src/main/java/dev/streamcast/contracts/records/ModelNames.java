package dev.streamcast.contracts.records;

import java.util.regex.Pattern;

/**
 * The safe character set of model names and aliases, shared by the registry, the trainer and
 * the forecaster: a letter or digit, then letters, digits, dot, underscore or dash, at most
 * 64 characters. Such names can never traverse a path or break a URL.
 */
public final class ModelNames {

    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern VERSION_REF = Pattern.compile("([A-Za-z0-9][A-Za-z0-9._-]{0,63})@([1-9][0-9]{0,9})");

    private ModelNames() {
    }

    public static boolean isName(String name) {
        return name != null && NAME.matcher(name).matches() && !name.contains("..");
    }

    /** The last reference found valid: a stream's forecasts name one model, checked once, not once per record. */
    private static volatile String lastValidRef;

    /** {@code name@version}, e.g. {@code etth1@3}. */
    public static boolean isVersionRef(String ref) {
        if (ref != null && ref.equals(lastValidRef)) {
            return true;
        }
        boolean valid = ref != null && VERSION_REF.matcher(ref).matches() && !ref.contains("..");
        if (valid) {
            lastValidRef = ref;
        }
        return valid;
    }

    public static String versionRef(String name, long version) {
        return name + "@" + version;
    }

    /** The version in {@code ref} when it is {@code name@<version>}; -1 for another model, no reference or a malformed one. */
    public static long versionOf(String ref, String name) {
        if (ref == null || ref.length() <= name.length() + 1 || !ref.startsWith(name) || ref.charAt(name.length()) != '@') {
            return -1;
        }
        try {
            return Long.parseLong(ref.substring(name.length() + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
