package dev.streamcast.kubernetes.validation;

import java.util.regex.Pattern;

/**
 * Where in a document a finding is, written as the API server writes it:
 * {@code spec.template.spec.containers[0].image}, and keys that are not plain words in brackets,
 * {@code metadata.labels[app.kubernetes.io/name]}, so that a reader can find the line by eye.
 */
record FieldPath(String text) {

    static final FieldPath ROOT = new FieldPath("");

    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_$][A-Za-z0-9_$-]*");

    FieldPath field(String name) {
        if (!PLAIN.matcher(name).matches()) {
            return new FieldPath(text + "[" + name + "]");
        }
        return new FieldPath(text.isEmpty() ? name : text + "." + name);
    }

    FieldPath index(int index) {
        return new FieldPath(text + "[" + index + "]");
    }

    /** A finding at this path, {@code spec.replicas: unknown field}. */
    String at(String message) {
        return (text.isEmpty() ? "(root)" : text) + ": " + message;
    }

    @Override
    public String toString() {
        return text;
    }
}
