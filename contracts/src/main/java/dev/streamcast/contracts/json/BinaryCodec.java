package dev.streamcast.contracts.json;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * One record type in streamcast's flat binary layout: the magic byte {@link Encoding#BINARY_MAGIC},
 * a type byte, then the fields, big-endian ({@code contracts/README.md} lists each layout).
 * Decoding never throws: a truncated, overlong, mistyped or out-of-range record is a
 * {@link Decoded.Failed} naming the field, as the JSON codecs do, and a JSON document is refused
 * as being in the other encoding.
 */
public final class BinaryCodec<T> implements Codec<T> {

    /** Reads the fields after the two header bytes; throws {@link FieldException} through {@link JsonFields#fail}. */
    @FunctionalInterface
    public interface Reader<T> {
        T read(In in);
    }

    /** Writes the fields after the two header bytes. */
    @FunctionalInterface
    public interface Writer<T> {
        void write(Out out, T value);
    }

    private final String recordName;
    private final byte type;
    private final Reader<T> reader;
    private final Writer<T> writer;

    public BinaryCodec(String recordName, char type, Reader<T> reader, Writer<T> writer) {
        this.recordName = recordName;
        this.type = (byte) type;
        this.reader = reader;
        this.writer = writer;
    }

    @Override
    public String recordName() {
        return recordName;
    }

    @Override
    public Encoding encoding() {
        return Encoding.BINARY;
    }

    @Override
    public Decoded<T> decode(byte[] bytes) {
        Decoded<T> refused = Encoding.BINARY.refuse(bytes, recordName);
        if (refused != null) {
            return refused;
        }
        if (bytes.length < 2 || bytes[1] != type) {
            return Decoded.failed(new DecodeError("$", bytes.length < 2 ? null : "type byte " + (bytes[1] & 0xFF),
                    "not a binary " + recordName + " (type byte " + (type & 0xFF) + " '" + (char) type + "')"), bytes);
        }
        In in = new In(ByteBuffer.wrap(bytes, 2, bytes.length - 2));
        try {
            T value = reader.read(in);
            if (in.buffer.hasRemaining()) {
                return Decoded.failed(new DecodeError("$", in.buffer.remaining() + " bytes",
                        "trailing data after the " + recordName), bytes);
            }
            return Decoded.ok(value);
        } catch (FieldException e) {
            return Decoded.failed(e.error, bytes);
        } catch (BufferUnderflowException e) {
            return Decoded.failed(new DecodeError(in.field, null, "truncated: the record ends at byte " + bytes.length
                    + " inside this field"), bytes);
        } catch (RuntimeException e) {
            return Decoded.failed(new DecodeError(in.field, null, "unreadable " + recordName + ": " + e), bytes);
        }
    }

    @Override
    public byte[] encode(T value) {
        Out out = new Out(256);
        out.buffer.put(Encoding.BINARY_MAGIC).put(type);
        writer.write(out, value);
        byte[] bytes = new byte[out.buffer.position()];
        out.buffer.flip().get(bytes);
        return bytes;
    }

    /** The fields being read, with the name of the one being read for errors. */
    public static final class In {
        private final ByteBuffer buffer;
        private String field = "$";

        In(ByteBuffer buffer) {
            this.buffer = buffer;
        }

        /** Names the field read next (for a truncation error). */
        public In at(String field) {
            this.field = field;
            return this;
        }

        public String field() {
            return field;
        }

        public long int64() {
            return buffer.getLong();
        }

        /** An unsigned count of at most {@code max}. */
        public int count(int max) {
            int n = buffer.getInt();
            if (n < 0 || n > max) {
                throw JsonFields.fail(field, Integer.toUnsignedString(n), "count outside 0.." + max);
            }
            if ((long) n > buffer.remaining()) { // every counted item takes at least a byte
                throw new BufferUnderflowException();
            }
            return n;
        }

        public double float64() {
            return buffer.getDouble();
        }

        /** A finite float64. */
        public double finite() {
            double v = buffer.getDouble();
            if (!Double.isFinite(v)) {
                throw JsonFields.fail(DecodeError.Kind.NON_FINITE, field, Double.toString(v), "not a finite number");
            }
            return v;
        }

        public byte int8() {
            return buffer.get();
        }

        /** A UTF-8 string of at most 65,535 bytes (an unsigned 16-bit length first), strictly decoded. */
        public String string() {
            int length = buffer.getShort() & 0xFFFF;
            if (length > buffer.remaining()) {
                throw new BufferUnderflowException();
            }
            if (isAscii(buffer.array(), buffer.arrayOffset() + buffer.position(), length)) { // ids and names: no decoder needed
                String s = new String(buffer.array(), buffer.arrayOffset() + buffer.position(), length, StandardCharsets.ISO_8859_1);
                buffer.position(buffer.position() + length);
                return s;
            }
            try {
                String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(buffer.slice(buffer.position(), length)).toString();
                buffer.position(buffer.position() + length);
                return s;
            } catch (CharacterCodingException e) {
                throw JsonFields.fail(field, null, "invalid UTF-8");
            }
        }

        private static boolean isAscii(byte[] bytes, int from, int length) {
            for (int i = from; i < from + length; i++) {
                if (bytes[i] < 0) {
                    return false;
                }
            }
            return true;
        }

        /** {@code bits} flags, packed eight to a byte, lowest bit first. */
        public boolean[] flags(int bits) {
            boolean[] flags = new boolean[bits];
            byte current = 0;
            for (int i = 0; i < bits; i++) {
                if (i % 8 == 0) {
                    current = buffer.get();
                }
                flags[i] = (current >> (i % 8) & 1) == 1;
            }
            return flags;
        }
    }

    /** The fields being written, growing as needed. */
    public static final class Out {
        private ByteBuffer buffer;

        Out(int capacity) {
            buffer = ByteBuffer.allocate(capacity);
        }

        private ByteBuffer room(int bytes) {
            if (buffer.remaining() < bytes) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + bytes));
                bigger.put(buffer.flip());
                buffer = bigger;
            }
            return buffer;
        }

        public Out int64(long v) {
            room(Long.BYTES).putLong(v);
            return this;
        }

        public Out count(int n) {
            room(Integer.BYTES).putInt(n);
            return this;
        }

        public Out float64(double v) {
            room(Double.BYTES).putDouble(v);
            return this;
        }

        public Out int8(int v) {
            room(1).put((byte) v);
            return this;
        }

        /** A string of at most 65,535 UTF-8 bytes (names and ids are far shorter by contract). */
        public Out string(String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > 0xFFFF) {
                throw new IllegalArgumentException("'" + DecodeError.abbreviate(s) + "' is over 65535 UTF-8 bytes: too long for"
                        + " the binary encoding");
            }
            room(2 + bytes.length).putShort((short) bytes.length).put(bytes);
            return this;
        }

        public Out flags(boolean[] flags) {
            ByteBuffer b = room((flags.length + 7) / 8);
            for (int i = 0; i < flags.length; i += 8) {
                int packed = 0;
                for (int j = 0; j < 8 && i + j < flags.length; j++) {
                    packed |= (flags[i + j] ? 1 : 0) << j;
                }
                b.put((byte) packed);
            }
            return this;
        }
    }
}
