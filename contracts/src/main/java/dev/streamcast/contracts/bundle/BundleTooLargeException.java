package dev.streamcast.contracts.bundle;

/** A bundle archive, or what it unpacks to, is over the size limit of whoever reads it. */
public final class BundleTooLargeException extends RuntimeException {

    private final long limitBytes;

    public BundleTooLargeException(String source, String what, long limitBytes) {
        super(source + ": " + what + " is over the limit of " + limitBytes + " bytes");
        this.limitBytes = limitBytes;
    }

    public long limitBytes() {
        return limitBytes;
    }
}
