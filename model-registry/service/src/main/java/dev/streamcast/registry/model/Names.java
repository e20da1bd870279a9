package dev.streamcast.registry.model;

import dev.streamcast.contracts.records.ModelNames;

/** Checks of names from requests, before they reach a query or a path. */
public final class Names {

    /** Aliases that mean something else when resolving: a number is a version, {@code latest} the newest live one. */
    public static final String LATEST = "latest";

    private Names() {
    }

    public static String model(String name) {
        if (!ModelNames.isName(name)) {
            throw Refusal.badRequest("model name '" + printable(name) + "' is not a safe name " + ModelNames.NAME.pattern()
                    + " (letters, digits, '.', '_', '-'; no '..')");
        }
        return name;
    }

    public static String alias(String alias) {
        if (!ModelNames.isName(alias)) {
            throw Refusal.badRequest("alias '" + printable(alias) + "' is not a safe name " + ModelNames.NAME.pattern());
        }
        if (alias.matches("[0-9]+") || alias.equals(LATEST)) {
            throw Refusal.badRequest("alias '" + alias + "' is reserved: a number names a version and 'latest' the newest"
                    + " live version");
        }
        return alias;
    }

    /** Cuts and escapes a name for an error message, so that a hostile name cannot forge log lines. */
    public static String printable(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length() && out.length() < 80; i++) {
            char c = text.charAt(i);
            out.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return text.length() > 80 ? out + "..." : out.toString();
    }
}
