package dev.streamcast.kubernetes.validation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ObjectMeta;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Validates a custom resource against its CRD's structural {@code openAPIV3Schema} as the API server
 * does with strict field validation (which {@code kubectl apply} asks for by default), so that a
 * manifest that passes here is not refused, nor silently pruned, by the cluster. Like the API server
 * it first drops {@code null}s from non-nullable fields and applies {@code default}s, then it checks
 * <ul>
 *   <li>unknown fields: a field an object schema does not name is an error unless the schema has
 *       {@code additionalProperties} or {@code x-kubernetes-preserve-unknown-fields: true};</li>
 *   <li>{@code type} ({@code 3.0} is an integer, {@code 3.5} is not), {@code x-kubernetes-int-or-string},
 *       {@code nullable}, {@code required}, {@code enum};</li>
 *   <li>{@code minimum}, {@code maximum}, {@code exclusiveMinimum}, {@code exclusiveMaximum},
 *       {@code multipleOf}, {@code minLength}, {@code maxLength}, {@code minItems}, {@code maxItems},
 *       {@code uniqueItems}, {@code minProperties}, {@code maxProperties};</li>
 *   <li>{@code pattern}, as a Java regex searched for in the string, as the API server searches with Go's
 *       RE2 (OpenAPI says ECMA-262, but Prometheus Operator's {@code (?i)} shows which one the CRDs are
 *       written for); every pattern in the shared CRDs compiles in Java, which a test checks;</li>
 *   <li>{@code allOf}, {@code anyOf}, {@code oneOf}, {@code not}, whose schemas only constrain values:
 *       a field they do not name is not unknown to them;</li>
 *   <li>{@code x-kubernetes-list-type: set} and {@code map} (with {@code x-kubernetes-list-map-keys}):
 *       duplicate items or keys, which the API server refuses;</li>
 *   <li>{@code metadata}, as the API server validates a custom resource's metadata: as an ObjectMeta
 *       ({@link ModelBinding}, {@link ObjectMetaRules}), not by the CRD's schema.</li>
 * </ul>
 * Not checked: {@code format} (the API server checks some, such as {@code date-time}; these CRDs use
 * {@code int32} and {@code int64}, which it does not check, and {@code date-time} only under
 * {@code status}, which manifests do not set), and the CEL rules of
 * {@code x-kubernetes-validations}, which cannot be evaluated here: each rule on a value that is present
 * is listed in the report's {@code unchecked}, so that a passing report does not hide them.
 * {@code description}, {@code example}, {@code title}, {@code x-kubernetes-map-type} and
 * {@code x-kubernetes-list-type: atomic} carry no rule.
 */
public final class SchemaValidator {

    private static final Map<String, Optional<Pattern>> PATTERNS = new ConcurrentHashMap<>();

    private SchemaValidator() {
    }

    /** Validates one whole resource ({@code apiVersion}, {@code kind}, {@code metadata}, {@code spec}, ...). */
    public static ValidationReport validate(JsonNode resource, JsonNode openApiV3Schema) {
        Walk walk = new Walk(true);
        if (!resource.isObject()) {
            walk.errors.add(FieldPath.ROOT.at("expected object, got " + JsonTypes.describe(resource)));
            return walk.report();
        }
        JsonNode normalized = resource.deepCopy();
        normalize(normalized, openApiV3Schema, true);
        walk.check(normalized, openApiV3Schema, FieldPath.ROOT, true);
        JsonNode metadata = resource.get("metadata");
        if (metadata != null && !metadata.isNull()) {
            ModelBinding.check(metadata, ObjectMeta.class, FieldPath.ROOT.field("metadata"), walk.errors);
        }
        ObjectMetaRules.check(metadata, resource.path("kind").asText(), walk.errors);
        return walk.report();
    }

    /**
     * What the API server does before it validates: a {@code null} in a non-nullable field is dropped
     * (or replaced by the field's default), and a missing field with a {@code default} gets it, so a
     * required field with a default is never missing.
     */
    private static void normalize(JsonNode value, JsonNode schema, boolean root) {
        if (value instanceof ObjectNode object) {
            JsonNode properties = schema.path("properties");
            JsonNode additional = schema.path("additionalProperties");
            for (String name : fieldNames(object)) {
                if (root && name.equals("metadata")) {
                    continue;
                }
                JsonNode fieldSchema = properties.has(name) ? properties.get(name) : additional.isObject() ? additional : null;
                if (fieldSchema == null) {
                    continue;
                }
                JsonNode field = object.get(name);
                if (field.isNull() && !fieldSchema.path("nullable").asBoolean(false)) {
                    if (fieldSchema.has("default")) {
                        object.set(name, fieldSchema.get("default").deepCopy());
                    } else {
                        object.remove(name);
                    }
                    continue;
                }
                normalize(field, fieldSchema, false);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> property = it.next();
                if (!object.has(property.getKey()) && property.getValue().has("default")) {
                    JsonNode defaulted = property.getValue().get("default").deepCopy();
                    object.set(property.getKey(), defaulted);
                    normalize(defaulted, property.getValue(), false);
                }
            }
        } else if (value instanceof ArrayNode array && schema.path("items").isObject()) {
            for (JsonNode item : array) {
                normalize(item, schema.get("items"), false);
            }
        }
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /**
     * One pass over a value. The strict pass follows the structural schema and reports unknown fields
     * and unevaluated CEL rules; the passes into {@code allOf}/{@code anyOf}/{@code oneOf}/{@code not}
     * are not strict, since those schemas only add constraints to values the structural schema already
     * allows.
     */
    private static final class Walk {

        final boolean strict;
        final List<String> errors = new ArrayList<>();
        final List<String> unchecked = new ArrayList<>();

        Walk(boolean strict) {
            this.strict = strict;
        }

        ValidationReport report() {
            return new ValidationReport(errors, List.of(), unchecked);
        }

        void check(JsonNode value, JsonNode schema, FieldPath path, boolean root) {
            if (!schema.isObject()) {
                return;
            }
            if (value.isNull()) {
                if (!schema.path("nullable").asBoolean(false) && (schema.has("type")
                        || schema.path("x-kubernetes-int-or-string").asBoolean(false))) {
                    errors.add(path.at("expected " + expectedType(schema) + ", got null"));
                }
                return;
            }
            if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
                if (!JsonTypes.isIntegral(value) && !value.isTextual()) {
                    errors.add(path.at("expected integer or string, got " + JsonTypes.describe(value)));
                    return;
                }
            } else if (schema.has("type")) {
                String type = schema.get("type").asText();
                if (!hasType(value, type)) {
                    errors.add(path.at("expected " + type + ", got " + JsonTypes.describe(value)));
                    return;
                }
            }
            if (value.isObject()) {
                checkObject(value, schema, path, root);
            } else if (value.isArray()) {
                checkArray(value, schema, path);
            } else if (value.isTextual()) {
                checkString(value, schema, path);
            } else if (value.isNumber()) {
                checkNumber(value, schema, path);
            }
            checkEnum(value, schema, path);
            checkJunctors(value, schema, path);
            if (strict && schema.has("x-kubernetes-validations")) {
                for (JsonNode rule : schema.get("x-kubernetes-validations")) {
                    String message = rule.path("message").asText("");
                    unchecked.add(path.at("CEL rule not evaluated: " + rule.path("rule").asText()
                            + (message.isEmpty() ? "" : " (" + message + ")")));
                }
            }
        }

        private void checkObject(JsonNode value, JsonNode schema, FieldPath path, boolean root) {
            JsonNode properties = schema.path("properties");
            JsonNode additional = schema.path("additionalProperties");
            boolean preserveUnknown = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
            boolean embedded = root || schema.path("x-kubernetes-embedded-resource").asBoolean(false);
            for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                String name = field.getKey();
                FieldPath fieldPath = path.field(name);
                if (embedded && name.equals("metadata")) {
                    continue;
                }
                if (properties.has(name)) {
                    check(field.getValue(), properties.get(name), fieldPath, false);
                } else if (additional.isObject()) {
                    check(field.getValue(), additional, fieldPath, false);
                } else if (additional.isBoolean()) {
                    if (!additional.booleanValue()) {
                        errors.add(fieldPath.at("unknown field (the schema allows no other fields)"));
                    }
                } else if (embedded && (name.equals("apiVersion") || name.equals("kind"))) {
                    if (!field.getValue().isTextual()) {
                        errors.add(fieldPath.at("expected string, got " + JsonTypes.describe(field.getValue())));
                    }
                } else if (strict && !preserveUnknown) {
                    errors.add(fieldPath.at("unknown field"));
                }
            }
            for (JsonNode required : schema.path("required")) {
                if (!value.has(required.asText())) {
                    errors.add(path.field(required.asText()).at("required field missing"));
                }
            }
            int size = value.size();
            if (schema.has("minProperties") && size < schema.get("minProperties").asInt()) {
                errors.add(path.at("has " + size + " fields, expected at least " + schema.get("minProperties").asInt()));
            }
            if (schema.has("maxProperties") && size > schema.get("maxProperties").asInt()) {
                errors.add(path.at("has " + size + " fields, expected at most " + schema.get("maxProperties").asInt()));
            }
        }

        private void checkArray(JsonNode value, JsonNode schema, FieldPath path) {
            JsonNode items = schema.path("items");
            for (int i = 0; i < value.size(); i++) {
                check(value.get(i), items, path.index(i), false);
            }
            int size = value.size();
            if (schema.has("minItems") && size < schema.get("minItems").asInt()) {
                errors.add(path.at("has " + size + " items, expected at least " + schema.get("minItems").asInt()));
            }
            if (schema.has("maxItems") && size > schema.get("maxItems").asInt()) {
                errors.add(path.at("has " + size + " items, expected at most " + schema.get("maxItems").asInt()));
            }
            String listType = schema.path("x-kubernetes-list-type").asText("");
            if (listType.equals("set") || schema.path("uniqueItems").asBoolean(false)) {
                Map<JsonNode, Integer> seen = new HashMap<>();
                for (int i = 0; i < size; i++) {
                    Integer first = seen.putIfAbsent(value.get(i), i);
                    if (first != null) {
                        errors.add(path.index(i).at("duplicate value " + JsonTypes.describe(value.get(i)) + ", already at ["
                                + first + "]"));
                    }
                }
            } else if (listType.equals("map")) {
                Map<List<JsonNode>, Integer> seen = new HashMap<>();
                for (int i = 0; i < size; i++) {
                    List<JsonNode> key = new ArrayList<>();
                    for (JsonNode keyName : schema.path("x-kubernetes-list-map-keys")) {
                        key.add(value.get(i).path(keyName.asText()));
                    }
                    Integer first = seen.putIfAbsent(key, i);
                    if (first != null) {
                        errors.add(path.index(i).at("duplicate entry for key " + schema.path("x-kubernetes-list-map-keys")
                                + " = " + key + ", already at [" + first + "]"));
                    }
                }
            }
        }

        private void checkString(JsonNode value, JsonNode schema, FieldPath path) {
            String text = value.textValue();
            int length = text.codePointCount(0, text.length());
            if (schema.has("minLength") && length < schema.get("minLength").asInt()) {
                errors.add(path.at(JsonTypes.describe(value) + " has " + length + " characters, expected at least "
                        + schema.get("minLength").asInt()));
            }
            if (schema.has("maxLength") && length > schema.get("maxLength").asInt()) {
                errors.add(path.at(JsonTypes.describe(value) + " has " + length + " characters, expected at most "
                        + schema.get("maxLength").asInt()));
            }
            if (schema.has("pattern")) {
                String source = schema.get("pattern").asText();
                Optional<Pattern> pattern = compile(source);
                if (pattern.isEmpty()) {
                    unchecked.add(path.at("pattern not checked, not a Java regex: " + source));
                } else if (!pattern.get().matcher(text).find()) {
                    errors.add(path.at(JsonTypes.describe(value) + " does not match the pattern " + source));
                }
            }
        }

        private void checkNumber(JsonNode value, JsonNode schema, FieldPath path) {
            BigDecimal number = value.decimalValue();
            if (schema.has("minimum")) {
                BigDecimal minimum = schema.get("minimum").decimalValue();
                boolean exclusive = schema.path("exclusiveMinimum").asBoolean(false);
                int compared = number.compareTo(minimum);
                if (compared < 0 || (exclusive && compared == 0)) {
                    errors.add(path.at(value.asText() + " is below the minimum " + (exclusive ? "(exclusive) " : "")
                            + minimum.toPlainString()));
                }
            }
            if (schema.has("maximum")) {
                BigDecimal maximum = schema.get("maximum").decimalValue();
                boolean exclusive = schema.path("exclusiveMaximum").asBoolean(false);
                int compared = number.compareTo(maximum);
                if (compared > 0 || (exclusive && compared == 0)) {
                    errors.add(path.at(value.asText() + " is above the maximum " + (exclusive ? "(exclusive) " : "")
                            + maximum.toPlainString()));
                }
            }
            if (schema.has("multipleOf") && schema.get("multipleOf").decimalValue().signum() != 0
                    && number.remainder(schema.get("multipleOf").decimalValue()).signum() != 0) {
                errors.add(path.at(value.asText() + " is not a multiple of " + schema.get("multipleOf").asText()));
            }
        }

        private void checkEnum(JsonNode value, JsonNode schema, FieldPath path) {
            if (!schema.has("enum")) {
                return;
            }
            List<String> allowed = new ArrayList<>();
            for (JsonNode option : schema.get("enum")) {
                if (sameValue(option, value)) {
                    return;
                }
                allowed.add(option.isTextual() ? JsonTypes.quote(option.textValue()) : option.toString());
            }
            errors.add(path.at("expected one of " + String.join(", ", allowed) + ", got " + JsonTypes.describe(value)));
        }

        private void checkJunctors(JsonNode value, JsonNode schema, FieldPath path) {
            for (JsonNode branch : schema.path("allOf")) {
                errors.addAll(branch(value, branch, path).errors);
            }
            if (schema.has("anyOf")) {
                List<String> failures = new ArrayList<>();
                boolean matched = false;
                for (JsonNode branch : schema.get("anyOf")) {
                    List<String> branchErrors = branch(value, branch, path).errors;
                    matched |= branchErrors.isEmpty();
                    failures.add(String.join("; ", branchErrors));
                }
                if (!matched) {
                    errors.add(path.at("matches none of the anyOf alternatives: " + alternatives(failures)));
                }
            }
            if (schema.has("oneOf")) {
                List<String> failures = new ArrayList<>();
                int matched = 0;
                for (JsonNode branch : schema.get("oneOf")) {
                    List<String> branchErrors = branch(value, branch, path).errors;
                    matched += branchErrors.isEmpty() ? 1 : 0;
                    failures.add(String.join("; ", branchErrors));
                }
                if (matched == 0) {
                    errors.add(path.at("matches none of the oneOf alternatives: " + alternatives(failures)));
                } else if (matched > 1) {
                    errors.add(path.at("matches " + matched + " of the oneOf alternatives " + schema.get("oneOf")
                            + ", expected exactly one"));
                }
            }
            if (schema.has("not") && branch(value, schema.get("not"), path).errors.isEmpty()) {
                errors.add(path.at("matches the schema it must not match: " + schema.get("not")));
            }
        }

        private static Walk branch(JsonNode value, JsonNode schema, FieldPath path) {
            Walk walk = new Walk(false);
            walk.check(value, schema, path, false);
            return walk;
        }

        private static String alternatives(List<String> failures) {
            List<String> numbered = new ArrayList<>();
            for (int i = 0; i < failures.size(); i++) {
                numbered.add("(" + (i + 1) + ") " + failures.get(i));
            }
            return String.join(" ", numbered);
        }
    }

    private static String expectedType(JsonNode schema) {
        return schema.path("x-kubernetes-int-or-string").asBoolean(false) ? "integer or string" : schema.path("type").asText();
    }

    private static boolean hasType(JsonNode value, String type) {
        return switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> JsonTypes.isIntegral(value);
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            default -> throw new IllegalArgumentException("the schema names the type " + JsonTypes.quote(type)
                    + ", which is not an OpenAPI type");
        };
    }

    /** Equal as JSON values: {@code 1} and {@code 1.0} are the same number. */
    private static boolean sameValue(JsonNode a, JsonNode b) {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        return a.equals(b);
    }

    private static Optional<Pattern> compile(String source) {
        return PATTERNS.computeIfAbsent(source, s -> {
            try {
                return Optional.of(Pattern.compile(s));
            } catch (PatternSyntaxException e) {
                return Optional.empty();
            }
        });
    }

    /** Whether the API server's pattern compiles as a Java regex; for the test that every pattern in the CRDs does. */
    static boolean compiles(String pattern) {
        return compile(pattern).isPresent();
    }
}
