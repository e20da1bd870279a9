package dev.streamcast.contracts.records;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;

/**
 * What the elements of a {@link FeatureVector} mean: their names in order and the step
 * length. The id is derived from both, so any change of names, order or step gives a new id,
 * and a consumer holding a vector with an unknown id knows it cannot interpret it. Specs are
 * published, keyed by id, to the compacted topic {@code feature-specs}.
 *
 * <pre>{"id": "3f9a0c1d2e4b5a69", "stepMillis": 3600000, "names": ["OT.mean", "OT.last"]}</pre>
 */
public record FeatureSpec(String id, long stepMillis, List<String> names) {

    public static final int MAX_FEATURES = 65_536;
    public static final int MAX_NAME_CHARS = 256;
    public static final int ID_HEX_CHARS = 16;

    public FeatureSpec {
        names = List.copyOf(names);
        if (stepMillis <= 0) {
            throw new IllegalArgumentException("stepMillis must be positive, got " + stepMillis);
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException("a feature spec needs at least one name");
        }
        if (new HashSet<>(names).size() != names.size()) {
            throw new IllegalArgumentException("feature names must be unique: " + names);
        }
        String expected = idOf(stepMillis, names);
        if (!expected.equals(id)) {
            throw new IllegalArgumentException("spec id " + id + " does not match its names and step (expected " + expected + ")");
        }
    }

    public static FeatureSpec of(long stepMillis, List<String> names) {
        return new FeatureSpec(idOf(stepMillis, names), stepMillis, names);
    }

    public int size() {
        return names.size();
    }

    public int indexOf(String name) {
        return names.indexOf(name);
    }

    /** The first {@value #ID_HEX_CHARS} hex digits of sha256 over the step and the names, one per line. */
    public static String idOf(long stepMillis, List<String> names) {
        StringBuilder canonical = new StringBuilder("streamcast-feature-spec/1\n").append(stepMillis).append('\n');
        for (String name : names) {
            canonical.append(name).append('\n');
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, ID_HEX_CHARS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
