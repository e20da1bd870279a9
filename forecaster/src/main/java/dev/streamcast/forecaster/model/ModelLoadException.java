package dev.streamcast.forecaster.model;

/** A model could not be found, fetched, verified or loaded; the message says which and why. */
public class ModelLoadException extends Exception {

    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
