package dev.streamcast.registry.model;

/**
 * A request the registry refuses because of what it asks, not because of a fault: the message
 * names the model, version, alias or field and what was expected. The REST layer maps
 * {@link Kind} to the HTTP status.
 */
public final class Refusal extends RuntimeException {

    public enum Kind { BAD_REQUEST, NOT_FOUND, CONFLICT }

    private final Kind kind;

    private Refusal(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public static Refusal badRequest(String message) {
        return new Refusal(Kind.BAD_REQUEST, message);
    }

    public static Refusal notFound(String message) {
        return new Refusal(Kind.NOT_FOUND, message);
    }

    public static Refusal conflict(String message) {
        return new Refusal(Kind.CONFLICT, message);
    }

    public Kind kind() {
        return kind;
    }
}
