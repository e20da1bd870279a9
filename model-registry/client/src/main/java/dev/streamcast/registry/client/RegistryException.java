package dev.streamcast.registry.client;

import java.net.URI;

/**
 * A registry call that failed, saying what failed: the method and URL, the HTTP status (0 when no
 * answer came: connection refused, timeout) and the server's own message (which names the field
 * or rule for a 4xx), after how many attempts.
 */
public final class RegistryException extends RuntimeException {

    private final String method;
    private final URI url;
    private final int status;
    private final String serverMessage;
    private final int attempts;

    public RegistryException(String method, URI url, int status, String serverMessage, int attempts, Throwable cause) {
        super(method + " " + url + " failed" + (status > 0 ? " with HTTP " + status : "")
                + (attempts > 1 ? " after " + attempts + " attempts" : "") + ": " + serverMessage, cause);
        this.method = method;
        this.url = url;
        this.status = status;
        this.serverMessage = serverMessage;
        this.attempts = attempts;
    }

    public String method() {
        return method;
    }

    public URI url() {
        return url;
    }

    /** The HTTP status, or 0 when the registry did not answer. */
    public int status() {
        return status;
    }

    /** The registry's message (its {@code error} field), or what went wrong on the way. */
    public String serverMessage() {
        return serverMessage;
    }

    public int attempts() {
        return attempts;
    }
}
