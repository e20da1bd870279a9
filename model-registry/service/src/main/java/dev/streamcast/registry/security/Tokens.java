package dev.streamcast.registry.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The bearer tokens from configuration, and what each one may do. Tokens are compared by their
 * sha256 with a constant-time comparison, every configured token every time, so the answer time
 * says nothing about how much of a guess was right.
 */
public final class Tokens {

    public enum Access { NONE, INVALID, READ, WRITE }

    static final int MIN_CHARS = 16;

    private final List<byte[]> write;
    private final List<byte[]> read;
    private final boolean readOpen;

    public Tokens(List<String> writeTokens, List<String> readTokens, boolean readOpen) {
        if (writeTokens.isEmpty()) {
            throw new IllegalArgumentException("registry.auth.write-tokens: at least one write token is needed");
        }
        this.write = digests("registry.auth.write-tokens", writeTokens);
        this.read = digests("registry.auth.read-tokens", readTokens);
        this.readOpen = readOpen;
    }

    public boolean readOpen() {
        return readOpen;
    }

    /** What the {@code Authorization} header grants: NONE without one, INVALID for a wrong or malformed one. */
    public Access access(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            return Access.NONE;
        }
        if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Access.INVALID;
        }
        byte[] presented = sha256(authorization.substring(7).strip());
        boolean isWrite = false;
        boolean isRead = false;
        for (byte[] t : write) {
            isWrite |= MessageDigest.isEqual(t, presented);
        }
        for (byte[] t : read) {
            isRead |= MessageDigest.isEqual(t, presented);
        }
        return isWrite ? Access.WRITE : isRead ? Access.READ : Access.INVALID;
    }

    /**
     * The tokens in {@code file}, created with one fresh random token (owner-only permissions)
     * when it does not exist: a registry started with no configured token is still closed to writes.
     */
    public static List<String> inFileOrGenerated(String setting, Path file) throws IOException {
        if (Files.exists(file)) {
            return inFile(setting, file);
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".write-token-", ".tmp");
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the folder's permissions protect it
        }
        Files.writeString(tmp, token + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return List.of(token);
    }

    /**
     * The tokens in {@code file}, one per line; blank lines and lines starting with {@code #} are
     * skipped. A missing file, a file without a token and a short token name {@code setting}, the
     * file and the line.
     */
    public static List<String> inFile(String setting, Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(setting + ": " + file.toAbsolutePath()
                    + " is not a file (expected a file of tokens, one per line)");
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String token = lines.get(i).strip();
            if (token.isEmpty() || token.startsWith("#")) {
                continue;
            }
            if (token.length() < MIN_CHARS) {
                throw new IllegalArgumentException(setting + ": " + file.toAbsolutePath() + " line " + (i + 1)
                        + ": the token has " + token.length() + " characters, at least " + MIN_CHARS + " are needed");
            }
            tokens.add(token);
        }
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException(setting + ": " + file.toAbsolutePath()
                    + " holds no token (expected one per line)");
        }
        return tokens;
    }

    private static List<byte[]> digests(String setting, List<String> tokens) {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            String token = tokens.get(i).strip();
            if (token.length() < MIN_CHARS) {
                throw new IllegalArgumentException(setting + "[" + i + "]: a token needs at least " + MIN_CHARS
                        + " characters, this one has " + token.length());
            }
            out.add(sha256(token));
        }
        return out;
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
