package dev.streamcast.contracts.json;

/**
 * The outcome of decoding one record: the typed value, or an error that names the field,
 * the value and the reason, together with the original bytes so that nothing is lost
 * (a stream sends them to its dead letter topic unchanged).
 */
public sealed interface Decoded<T> {

    record Ok<T>(T value) implements Decoded<T> {
    }

    record Failed<T>(DecodeError error, byte[] raw) implements Decoded<T> {
    }

    static <T> Decoded<T> ok(T value) {
        return new Ok<>(value);
    }

    static <T> Decoded<T> failed(DecodeError error, byte[] raw) {
        return new Failed<>(error, raw);
    }

    default boolean isOk() {
        return this instanceof Ok<T>;
    }

    /** The value; throws {@link IllegalStateException} with the decode error if there is none. */
    default T value() {
        if (this instanceof Ok<T> ok) {
            return ok.value();
        }
        throw new IllegalStateException("not decoded: " + ((Failed<T>) this).error());
    }

    /** The error; throws {@link IllegalStateException} if the record decoded fine. */
    default DecodeError error() {
        if (this instanceof Failed<T> failed) {
            return failed.error();
        }
        throw new IllegalStateException("decoded fine, no error");
    }
}
