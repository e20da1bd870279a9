package dev.streamcast.local.broker;

/** A port the local broker needs is taken by another process. */
public final class PortInUseException extends Exception {

    private final int port;

    public PortInUseException(String host, int port, String purpose, String option) {
        super(purpose + " port " + host + ":" + port + " is already in use (another broker, or another program?)."
                + " Stop it, or choose another port with " + option + ".");
        this.port = port;
    }

    public int port() {
        return port;
    }
}
