package dev.streamcast.registry.store;

/** The database failed (not the request): HTTP 503 for the caller, who may retry. */
public final class StoreException extends RuntimeException {

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
