package dev.streamcast.contracts.records;

import dev.streamcast.contracts.json.DecodeError;
import dev.streamcast.contracts.json.Decoded;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The key of every data topic: the entity id as UTF-8 text (a machine, a transformer, a stock,
 * a log source). It must be valid UTF-8, not blank, at most {@value #MAX_CHARS} characters
 * and free of control characters. Kafka's StringDeserializer would silently replace invalid
 * bytes; this one reports them.
 */
public final class EntityKey {

    public static final int MAX_CHARS = 256;

    private EntityKey() {
    }

    public static Decoded<String> decode(byte[] bytes) {
        if (bytes == null) {
            return Decoded.failed(new DecodeError("key", null, "null key: every record needs its entity id as key"), null);
        }
        String key;
        if (isAscii(bytes)) { // most ids: one copy, no decoder
            key = new String(bytes, StandardCharsets.US_ASCII);
        } else {
            try {
                key = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes))
                        .toString();
            } catch (CharacterCodingException e) {
                return Decoded.failed(new DecodeError("key", null, "key is not valid UTF-8"), bytes);
            }
        }
        String problem = problem(key);
        return problem == null ? Decoded.ok(key) : Decoded.failed(new DecodeError("key", key, problem), bytes);
    }

    private static boolean isAscii(byte[] bytes) {
        for (byte b : bytes) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    /** Why {@code key} is not a valid entity id, or null if it is. */
    public static String problem(String key) {
        if (key == null) {
            return "null key: every record needs its entity id as key";
        }
        if (key.isBlank()) {
            return "empty key: every record needs its entity id as key";
        }
        if (key.length() > MAX_CHARS) {
            return "key longer than " + MAX_CHARS + " characters";
        }
        for (int i = 0; i < key.length(); i++) {
            if (Character.isISOControl(key.charAt(i))) {
                return "key contains a control character at index " + i;
            }
        }
        return null;
    }
}
