package dev.streamcast.contracts.json;

/**
 * Why a record could not be decoded: the field (a JSON path such as {@code values.temp},
 * or {@code $} for the whole document), the offending value as text (cut to
 * {@value #MAX_VALUE_CHARS} characters, never the whole payload) and the reason.
 */
public record DecodeError(String field, String value, String reason) {

    public static final int MAX_VALUE_CHARS = 80;

    public DecodeError {
        value = value == null ? null : abbreviate(value);
    }

    static String abbreviate(String text) {
        if (text.length() <= MAX_VALUE_CHARS) {
            return text;
        }
        return text.substring(0, MAX_VALUE_CHARS) + "...(" + text.length() + " chars)";
    }

    /** One readable sentence: the field, the reason and the value. */
    public String describe() {
        return value == null
                ? "field '" + field + "': " + reason
                : "field '" + field + "': " + reason + " (got " + value + ")";
    }

    @Override
    public String toString() {
        return describe();
    }
}
