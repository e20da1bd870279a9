package dev.streamcast.kubernetes.validation;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;

/**
 * The JSON type of a value as an OpenAPI schema names it, and the value as a message shows it
 * ({@code string "yes"}, {@code integer 3}), so every finding says what it found.
 */
final class JsonTypes {

    private static final int MAX_SHOWN_CHARS = 60;

    private JsonTypes() {
    }

    /** {@code object}, {@code array}, {@code string}, {@code integer}, {@code number}, {@code boolean} or {@code null}. */
    static String typeOf(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return "null";
        }
        if (value.isObject()) {
            return "object";
        }
        if (value.isArray()) {
            return "array";
        }
        if (value.isTextual()) {
            return "string";
        }
        if (value.isBoolean()) {
            return "boolean";
        }
        if (value.isNumber()) {
            return isIntegral(value) ? "integer" : "number";
        }
        return value.getNodeType().name().toLowerCase();
    }

    /**
     * Whether a number is integral: {@code 3.0} is, as the API server's JSON decoding and OpenAPI's
     * {@code integer} both take it.
     */
    static boolean isIntegral(JsonNode value) {
        if (!value.isNumber()) {
            return false;
        }
        if (value.isIntegralNumber()) {
            return true;
        }
        if (value.isDouble() || value.isFloat()) {
            double d = value.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                return false;
            }
        }
        BigDecimal decimal = value.decimalValue();
        return decimal.signum() == 0 || decimal.stripTrailingZeros().scale() <= 0;
    }

    /** The value for a message: its type, and the value itself where it is a scalar. */
    static String describe(JsonNode value) {
        String type = typeOf(value);
        if (value == null || value.isNull() || value.isMissingNode() || value.isContainerNode()) {
            return type;
        }
        if (value.isTextual()) {
            String text = value.textValue();
            return type + " " + quote(text.length() > MAX_SHOWN_CHARS ? text.substring(0, MAX_SHOWN_CHARS) + "..." : text);
        }
        return type + " " + value.asText();
    }

    static String quote(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
