package dev.streamcast.kubernetes.validation;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The API server's own rules for {@code metadata} that no schema states: names, namespaces, label
 * keys and values, annotation keys. These are what a cluster refuses although every field has the
 * right type, and what a kustomize {@code namePrefix} or {@code commonLabels} can break for all
 * documents at once.
 */
final class ObjectMetaRules {

    private static final Pattern DNS1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS1123_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern DNS1035_LABEL = Pattern.compile("[a-z]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern QUALIFIED_NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    private static final int MAX_LABEL_CHARS = 63;
    private static final int MAX_SUBDOMAIN_CHARS = 253;

    /** Kinds whose name becomes a DNS label rather than a subdomain (a Service's name is its DNS name). */
    private static final Map<String, String> LABEL_NAMED_KINDS = Map.of("Service", "DNS-1035 label", "Namespace", "DNS-1123 label");

    private ObjectMetaRules() {
    }

    /**
     * Adds the rule violations of {@code metadata} (of a resource of kind {@code kind}) to {@code errors};
     * values of the wrong type are left to {@link ModelBinding}.
     */
    static void check(JsonNode metadata, String kind, List<String> errors) {
        FieldPath at = FieldPath.ROOT.field("metadata");
        if (metadata == null || metadata.isNull() || metadata.isMissingNode()) {
            errors.add(at.field("name").at("required field missing"));
            return;
        }
        if (!metadata.isObject()) {
            return;
        }
        JsonNode name = metadata.get("name");
        if (name == null || name.isNull()) {
            if (!metadata.path("generateName").isTextual()) {
                errors.add(at.field("name").at("required field missing"));
            }
        } else if (name.isTextual()) {
            checkName(name.textValue(), kind, at.field("name"), errors);
        }
        JsonNode namespace = metadata.get("namespace");
        if (namespace != null && namespace.isTextual() && !isDns1123Label(namespace.textValue())) {
            errors.add(at.field("namespace").at(JsonTypes.quote(namespace.textValue())
                    + " is not a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters)"));
        }
        checkLabels(metadata.get("labels"), at.field("labels"), errors);
        JsonNode annotations = metadata.get("annotations");
        if (annotations != null && annotations.isObject()) {
            for (Iterator<String> keys = annotations.fieldNames(); keys.hasNext(); ) {
                String key = keys.next();
                checkKey(key, at.field("annotations").field(key), errors);
            }
        }
    }

    private static void checkName(String name, String kind, FieldPath at, List<String> errors) {
        String rule = LABEL_NAMED_KINDS.get(kind);
        if (rule == null) {
            if (name.length() > MAX_SUBDOMAIN_CHARS || !DNS1123_SUBDOMAIN.matcher(name).matches()) {
                errors.add(at.at(JsonTypes.quote(name) + " is not a DNS-1123 subdomain (lowercase letters, digits, '-' and '.',"
                        + " at most 253 characters)"));
            }
        } else {
            Pattern pattern = kind.equals("Service") ? DNS1035_LABEL : DNS1123_LABEL;
            if (name.length() > MAX_LABEL_CHARS || !pattern.matcher(name).matches()) {
                errors.add(at.at(JsonTypes.quote(name) + " is not a " + rule + ", as a " + kind + " name must be"
                        + " (lowercase letters, digits and '-', at most 63 characters)"));
            }
        }
    }

    private static void checkLabels(JsonNode labels, FieldPath at, List<String> errors) {
        if (labels == null || !labels.isObject()) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> fields = labels.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> label = fields.next();
            FieldPath path = at.field(label.getKey());
            checkKey(label.getKey(), path, errors);
            JsonNode value = label.getValue();
            if (value.isTextual() && !value.textValue().isEmpty()
                    && (value.textValue().length() > MAX_LABEL_CHARS || !QUALIFIED_NAME.matcher(value.textValue()).matches())) {
                errors.add(path.at("label value " + JsonTypes.quote(value.textValue()) + " is not valid (at most 63"
                        + " characters, alphanumeric at both ends, '-', '_' and '.' between)"));
            }
        }
    }

    /** A label or annotation key: an optional DNS subdomain prefix and '/', then a name of at most 63 characters. */
    private static void checkKey(String key, FieldPath at, List<String> errors) {
        int slash = key.lastIndexOf('/');
        String prefix = slash < 0 ? null : key.substring(0, slash);
        String name = slash < 0 ? key : key.substring(slash + 1);
        boolean validPrefix = prefix == null
                || (!prefix.isEmpty() && prefix.length() <= MAX_SUBDOMAIN_CHARS && DNS1123_SUBDOMAIN.matcher(prefix).matches());
        boolean validName = name.length() <= MAX_LABEL_CHARS && QUALIFIED_NAME.matcher(name).matches();
        if (!validPrefix || !validName) {
            errors.add(at.at("key " + JsonTypes.quote(key) + " is not a qualified name (an optional DNS subdomain and '/',"
                    + " then at most 63 characters, alphanumeric at both ends, '-', '_' and '.' between)"));
        }
    }

    private static boolean isDns1123Label(String text) {
        return text.length() <= MAX_LABEL_CHARS && DNS1123_LABEL.matcher(text).matches();
    }
}
