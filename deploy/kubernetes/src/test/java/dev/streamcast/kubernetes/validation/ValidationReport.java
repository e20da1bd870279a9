package dev.streamcast.kubernetes.validation;

import java.util.ArrayList;
import java.util.List;

/**
 * What validating documents found, each line naming its path.
 *
 * @param errors    what the API server would refuse (with strict field validation)
 * @param warnings  what it accepts with a warning, such as a deprecated version of a custom resource
 * @param unchecked rules present on the validated values that this library cannot evaluate (CEL
 *                  {@code x-kubernetes-validations}): a report without errors says nothing about them
 */
public record ValidationReport(List<String> errors, List<String> warnings, List<String> unchecked) {

    public static final ValidationReport EMPTY = new ValidationReport(List.of(), List.of(), List.of());

    public ValidationReport {
        errors = List.copyOf(errors);
        warnings = List.copyOf(warnings);
        unchecked = List.copyOf(unchecked);
    }

    public static ValidationReport ofErrors(List<String> errors) {
        return new ValidationReport(errors, List.of(), List.of());
    }

    /** No errors; warnings and unchecked rules do not fail a document, as they do not fail {@code kubectl apply}. */
    public boolean passed() {
        return errors.isEmpty();
    }

    /** Every line prefixed, {@code KafkaTopic/features: }, to say which document it is about. */
    public ValidationReport prefixed(String prefix) {
        return new ValidationReport(prefix(errors, prefix), prefix(warnings, prefix), prefix(unchecked, prefix));
    }

    public ValidationReport plus(ValidationReport other) {
        return new ValidationReport(concat(errors, other.errors), concat(warnings, other.warnings),
                concat(unchecked, other.unchecked));
    }

    private static List<String> prefix(List<String> lines, String prefix) {
        return lines.stream().map(line -> prefix + line).toList();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
