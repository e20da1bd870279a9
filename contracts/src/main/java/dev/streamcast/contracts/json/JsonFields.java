package dev.streamcast.contracts.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamcast.contracts.records.Timestamps;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed, path-aware reads of one JSON object. Every failed read throws a
 * {@link FieldException} carrying the full path of the field (for example
 * {@code steps[3].point.OT}), the value it found and what was expected; the codec turns it
 * into a {@link Decoded.Failed}.
 */
public final class JsonFields {

    private final ObjectNode node;
    private final String path;

    private JsonFields(ObjectNode node, String path) {
        this.node = node;
        this.path = path;
    }

    /** Reads {@code node} as an object at {@code path} ({@code "$"} for the document). */
    public static JsonFields of(JsonNode node, String path) {
        if (node == null || !node.isObject()) {
            throw fail(path, node, "expected a JSON object");
        }
        return new JsonFields((ObjectNode) node, path);
    }

    public String path() {
        return path;
    }

    public boolean has(String name) {
        JsonNode value = node.get(name);
        return value != null && !value.isNull();
    }

    public JsonNode required(String name) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            throw fail(at(name), value, "is required");
        }
        return value;
    }

    public JsonFields object(String name) {
        return of(required(name), at(name));
    }

    public String string(String name) {
        JsonNode value = required(name);
        if (!value.isTextual()) {
            throw fail(at(name), value, "expected a string");
        }
        return value.textValue();
    }

    public String optionalString(String name) {
        return has(name) ? string(name) : null;
    }

    /** A string that is not blank, at most {@code maxChars} long, without control characters. */
    public String name(String name, int maxChars) {
        return checkName(at(name), string(name), maxChars);
    }

    public long integer(String name, long min, long max) {
        return integerValue(at(name), required(name), min, max);
    }

    public double finite(String name) {
        return finiteValue(at(name), required(name));
    }

    /**
     * A timestamp: epoch milliseconds as a whole number, or an ISO-8601 string with or without
     * an offset (no offset means UTC). It must lie in {@link Timestamps#MIN}..{@link Timestamps#MAX}.
     */
    public long timestamp(String name) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            throw fail(DecodeError.Kind.BAD_TIMESTAMP, at(name), value, "is required");
        }
        return timestampValue(at(name), value);
    }

    public List<JsonNode> array(String name, int minSize, int maxSize) {
        JsonNode value = required(name);
        if (!value.isArray()) {
            throw fail(at(name), value, "expected an array");
        }
        if (value.size() < minSize || value.size() > maxSize) {
            throw fail(at(name), "size " + value.size(), "expected between " + minSize + " and " + maxSize + " elements");
        }
        List<JsonNode> elements = new ArrayList<>(value.size());
        value.forEach(elements::add);
        return elements;
    }

    public double[] finiteArray(String name, int minSize, int maxSize) {
        List<JsonNode> elements = array(name, minSize, maxSize);
        double[] out = new double[elements.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = finiteValue(at(name) + "[" + i + "]", elements.get(i));
        }
        return out;
    }

    public List<String> nameArray(String name, int minSize, int maxSize, int maxChars) {
        List<JsonNode> elements = array(name, minSize, maxSize);
        List<String> out = new ArrayList<>(elements.size());
        for (int i = 0; i < elements.size(); i++) {
            String elementPath = at(name) + "[" + i + "]";
            JsonNode element = elements.get(i);
            if (!element.isTextual()) {
                throw fail(elementPath, element, "expected a string");
            }
            String value = checkName(elementPath, element.textValue(), maxChars);
            if (out.contains(value)) {
                throw fail(elementPath, value, "duplicate name");
            }
            out.add(value);
        }
        return out;
    }

    /** An object whose values are finite numbers, keyed by names, in document order. */
    public Map<String, Double> finiteMap(String name, int minSize, int maxSize, int maxKeyChars) {
        JsonFields map = object(name);
        if (map.node.size() < minSize || map.node.size() > maxSize) {
            throw fail(map.path, "size " + map.node.size(), "expected between " + minSize + " and " + maxSize + " entries");
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String key = checkName(map.at(entry.getKey()), entry.getKey(), maxKeyChars);
            out.put(key, finiteValue(map.at(key), entry.getValue()));
        }
        return out;
    }

    /** The field names of the object, in document order. */
    public List<String> names() {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    public String at(String name) {
        return "$".equals(path) ? name : path + "." + name;
    }

    public static long integerValue(String path, JsonNode value, long min, long max) {
        if (value == null || !value.isNumber()) {
            throw fail(path, value, "expected a whole number");
        }
        if (!value.canConvertToExactIntegral() || !value.canConvertToLong()) {
            throw fail(path, value, "expected a whole number between " + min + " and " + max);
        }
        long v = value.asLong();
        if (value.isFloatingPointNumber() && value.doubleValue() != v) {
            throw fail(path, value, "expected a whole number");
        }
        if (v < min || v > max) {
            throw fail(path, value, "expected a whole number between " + min + " and " + max);
        }
        return v;
    }

    public static double finiteValue(String path, JsonNode value) {
        if (value == null || !value.isNumber()) {
            throw fail(path, value, "expected a number");
        }
        double v = value.doubleValue();
        if (!Double.isFinite(v)) {
            throw fail(DecodeError.Kind.NON_FINITE, path, value, "not a finite number");
        }
        return v;
    }

    public static long timestampValue(String path, JsonNode value) {
        long millis;
        if (value != null && value.isNumber()) {
            if (!value.canConvertToExactIntegral() || !value.canConvertToLong()) {
                throw fail(DecodeError.Kind.BAD_TIMESTAMP, path, value, "expected epoch milliseconds as a whole number");
            }
            millis = value.asLong();
        } else if (value != null && value.isTextual()) {
            millis = parseIso(path, value);
        } else {
            throw fail(DecodeError.Kind.BAD_TIMESTAMP, path, value, "expected epoch milliseconds or an ISO-8601 string");
        }
        if (millis < Timestamps.MIN || millis >= Timestamps.MAX) {
            throw fail(DecodeError.Kind.BAD_TIMESTAMP, path, value, "timestamp outside " + Instant.ofEpochMilli(Timestamps.MIN)
                    + " .. " + Instant.ofEpochMilli(Timestamps.MAX));
        }
        return millis;
    }

    private static long parseIso(String path, JsonNode value) {
        String text = value.textValue();
        try {
            return OffsetDateTime.parse(text).toInstant().toEpochMilli();
        } catch (DateTimeException | ArithmeticException withOffset) {
            try {
                return LocalDateTime.parse(text).toInstant(ZoneOffset.UTC).toEpochMilli();
            } catch (DateTimeException | ArithmeticException withoutOffset) {
                throw fail(DecodeError.Kind.BAD_TIMESTAMP, path, value, "unparsable ISO-8601 timestamp (e.g. 2016-07-01T00:00:00Z)");
            }
        }
    }

    public static String checkName(String path, String value, int maxChars) {
        if (value.isBlank()) {
            throw fail(path, value, "must not be blank");
        }
        if (value.length() > maxChars) {
            throw fail(path, value, "longer than " + maxChars + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw fail(path, value, "contains a control character at index " + i);
            }
        }
        return value;
    }

    /** The failure of one field; a JSON value is quoted as JSON, so "1" and 1 stay apart. */
    public static FieldException fail(String path, Object value, String reason) {
        return fail(DecodeError.Kind.MALFORMED, path, value, reason);
    }

    public static FieldException fail(DecodeError.Kind kind, String path, Object value, String reason) {
        String text = value == null ? null
                : value instanceof JsonNode node ? node.toString()
                : value.toString();
        return new FieldException(new DecodeError(kind, path, text, reason));
    }
}
