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

    /** {@code name@version}, e.g. {@code etth1@3}. */
    public static boolean isVersionRef(String ref) {
        return ref != null && VERSION_REF.matcher(ref).matches() && !ref.contains("..");
    }

    public static String versionRef(String name, long version) {
        return name + "@" + version;
    }
}
