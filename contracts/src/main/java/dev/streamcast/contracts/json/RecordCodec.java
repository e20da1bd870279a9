package dev.streamcast.contracts.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

import java.io.ByteArrayOutputStream;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON encoding and decoding of one record type, and its Kafka serdes.
 *
 * <p>{@link #decode(byte[])} never throws: it returns the record or a {@link Decoded.Failed}
 * naming the field, the value and the reason, with the original bytes. The serde's
 * deserializer therefore cannot kill a stream thread; its serializer writes a decoded value,
 * or the original bytes of a failed one unchanged (so a dead letter topic gets them as they
 * came).
 */
public final class RecordCodec<T> implements Codec<T> {

    /** Reads a record from the document root; throws {@link FieldException} through {@link JsonFields}. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(JsonFields root);
    }

    /**
     * Reads a record token by token from a parser positioned before the document, for hot
     * paths: no tree is built. Fails through {@link JsonFields#fail} like a {@link Reader}.
     */
    @FunctionalInterface
    public interface StreamingReader<T> {
        T read(JsonParser in) throws IOException;
    }

    @FunctionalInterface
    public interface Writer<T> {
        void write(JsonGenerator out, T value) throws IOException;
    }

    private final String recordName;
    private final StreamingReader<T> reader;
    private final Writer<T> writer;

    /** A codec that reads through a {@link JsonFields} view of the parsed document. */
    public RecordCodec(String recordName, Reader<T> reader, Writer<T> writer) {
        this(writer, recordName, in -> {
            JsonNode root = Json.MAPPER.readTree(in);
            if (in.nextToken() != null) {
                throw JsonFields.fail("$", null, "malformed JSON: trailing data after the document");
            }
            return reader.read(JsonFields.of(root, "$"));
        });
    }

    /** A codec that reads the document token by token. */
    public RecordCodec(Writer<T> writer, String recordName, StreamingReader<T> reader) {
        this.recordName = recordName;
        this.reader = reader;
        this.writer = writer;
    }

    @Override
    public String recordName() {
        return recordName;
    }

    @Override
    public Encoding encoding() {
        return Encoding.JSON;
    }

    @Override
    public Decoded<T> decode(byte[] bytes) {
        Decoded<T> refused = Encoding.JSON.refuse(bytes, recordName);
        if (refused != null) {
            return refused;
        }
        try (JsonParser in = Json.MAPPER.createParser(bytes)) {
            return Decoded.ok(reader.read(in));
        } catch (FieldException e) {
            return Decoded.failed(e.error, bytes);
        } catch (StreamConstraintsException e) {
            return Decoded.failed(new DecodeError("$", null, "exceeds a parser limit: " + e.getOriginalMessage()), bytes);
        } catch (CharConversionException e) {
            return Decoded.failed(new DecodeError("$", null, "invalid UTF-8: " + e.getMessage()), bytes);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            String reason = e.getOriginalMessage();
            if (reason != null && reason.startsWith("Invalid UTF-8")) {
                reason = "invalid UTF-8: " + reason;
            }
            return Decoded.failed(new DecodeError("$", null, "malformed JSON" + where + ": " + firstLine(reason)), bytes);
        } catch (IOException | RuntimeException e) {
            return Decoded.failed(new DecodeError("$", null, "unreadable " + recordName + ": " + e), bytes);
        }
    }

    /** The record as compact UTF-8 JSON. */
    @Override
    public byte[] encode(T value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (JsonGenerator out = Json.MAPPER.getFactory().createGenerator(bytes)) {
            writer.write(out, value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + recordName, e);
        }
        return bytes.toByteArray();
    }

    public String encodeToString(T value) {
        return new String(encode(value), java.nio.charset.StandardCharsets.UTF_8);
    }

    public Serializer<T> serializer() {
        return (topic, value) -> value == null ? null : encode(value);
    }

    public Deserializer<Decoded<T>> deserializer() {
        return (topic, bytes) -> decode(bytes);
    }

    public Serde<Decoded<T>> serde() {
        Serializer<Decoded<T>> serializer = (topic, decoded) -> {
            if (decoded == null) {
                return null;
            }
            if (decoded instanceof Decoded.Failed<T> failed) {
                return failed.raw();
            }
            return encode(decoded.value());
        };
        return Serdes.serdeFrom(serializer, deserializer());
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
