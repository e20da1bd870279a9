package dev.streamcast.contracts.json;

/** Thrown by the field readers inside a codec and turned into a {@link Decoded.Failed}; never escapes. */
final class FieldException extends RuntimeException {

    final DecodeError error;

    FieldException(DecodeError error) {
        super(error.describe(), null, false, false);
        this.error = error;
    }
}
