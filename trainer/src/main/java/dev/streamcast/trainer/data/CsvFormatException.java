package dev.streamcast.trainer.data;

/** A CSV that cannot be used, with the file, line and column of the problem. */
public final class CsvFormatException extends RuntimeException {
    public CsvFormatException(String message) {
        super(message);
    }
}
