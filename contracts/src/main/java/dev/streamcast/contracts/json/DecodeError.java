package dev.streamcast.contracts.json;

/**
 * Why a record could not be decoded: what kind of problem, the field (a JSON path such as
 * {@code values.temp}, or {@code $} for the whole document), the offending value as JSON text
 * (cut to {@value #MAX_VALUE_CHARS} characters, never the whole payload) and the reason.
 */
public record DecodeError(Kind kind, String field, String value, String reason) {

    public static final int MAX_VALUE_CHARS = 80;

    /** The class of problem, so that consumers can count and route by it. */
    public enum Kind {
        /** not JSON, not UTF-8, over a parser limit, or a field missing or of the wrong type or range */
        MALFORMED,
        /** a number that is NaN, Infinity or beyond double range */
        NON_FINITE,
        /** a timestamp that is missing, unparsable or absurd */
        BAD_TIMESTAMP
    }

    public DecodeError {
        value = value == null ? null : abbreviate(value);
    }

    public DecodeError(String field, String value, String reason) {
        this(Kind.MALFORMED, field, value, reason);
    }

    /** Cuts quoted input as {@link #value()} is cut, for any message that quotes input. */
    public static String abbreviate(String text) {
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
