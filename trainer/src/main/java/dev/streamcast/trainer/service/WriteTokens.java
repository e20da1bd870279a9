package dev.streamcast.trainer.service;

import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * The tokens that may start and cancel runs: {@code trainer.auth.write-tokens} and the lines of
 * {@code trainer.auth.token-file}. With none, no request may write (reads stay open): a trainer is never left open
 * by omission. Compared in constant time.
 */
@ApplicationScoped
public class WriteTokens {

    static final int MIN_LENGTH = 16;

    private final List<byte[]> tokens = new ArrayList<>();

    WriteTokens(TrainerServiceConfig config) {
        config.auth().writeTokens().ifPresent(list -> list.forEach(this::add));
        config.auth().tokenFile().filter(f -> !f.isBlank()).ifPresent(file -> {
            try {
                Files.readAllLines(Path.of(file), StandardCharsets.UTF_8).stream().map(String::strip)
                        .filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(this::add);
            } catch (IOException e) {
                throw new IllegalArgumentException("trainer.auth.token-file " + file + " cannot be read: " + e.getMessage(), e);
            }
        });
    }

    private void add(String token) {
        String t = token.strip();
        if (t.isEmpty()) {
            return;
        }
        if (t.length() < MIN_LENGTH) {
            throw new IllegalArgumentException("trainer.auth: a write token must have at least " + MIN_LENGTH
                    + " characters, one has " + t.length());
        }
        tokens.add(t.getBytes(StandardCharsets.UTF_8));
    }

    boolean configured() {
        return !tokens.isEmpty();
    }

    /** Whether the {@code Authorization} header carries one of the tokens. */
    boolean allows(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] token : tokens) {
            ok |= MessageDigest.isEqual(token, given);
        }
        return ok;
    }
}
