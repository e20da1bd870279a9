package dev.streamcast.registry.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.regex.Pattern;

/**
 * Artifacts as files under {@code <root>/sha256/ab/cd/abcd...}: two levels of fan-out keep any
 * folder small. A put is a rename from the staging folder (same file system, so atomic): a
 * reader sees a whole blob or none, never a half-written one.
 */
public final class FileArtifactStore implements ArtifactStore {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Path root;

    public FileArtifactStore(Path root) throws IOException {
        this.root = Files.createDirectories(root).toAbsolutePath();
    }

    public Path root() {
        return root;
    }

    /** Where a blob lives; the address is checked, so no path outside the store can be formed. */
    public Path pathOf(String sha256) {
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a sha256 address: " + sha256);
        }
        return root.resolve("sha256").resolve(sha256.substring(0, 2)).resolve(sha256.substring(2, 4)).resolve(sha256);
    }

    @Override
    public boolean put(String sha256, Path staged) throws IOException {
        Path target = pathOf(sha256);
        if (Files.exists(target)) {
            Files.delete(staged);
            return false;
        }
        Files.createDirectories(target.getParent());
        try {
            Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            // staging on another file system: copy beside the target, then rename
            Path tmp = Files.createTempFile(target.getParent(), ".incoming-", ".tmp");
            Files.copy(staged, tmp, StandardCopyOption.REPLACE_EXISTING);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException raced) {
                Files.delete(tmp);
            }
            Files.delete(staged);
        }
        return true;
    }

    @Override
    public boolean contains(String sha256) {
        return Files.isRegularFile(pathOf(sha256));
    }

    @Override
    public InputStream open(String sha256) throws IOException {
        return Files.newInputStream(pathOf(sha256));
    }

    @Override
    public long size(String sha256) throws IOException {
        return Files.size(pathOf(sha256));
    }

    @Override
    public void delete(String sha256) throws IOException {
        Path path = pathOf(sha256);
        Files.deleteIfExists(path);
        // drop the fan-out folders when they became empty; another put may race and recreate them
        for (Path dir = path.getParent(); !dir.equals(root); dir = dir.getParent()) {
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    break;
                }
            }
            try {
                Files.delete(dir);
            } catch (IOException e) {
                break;
            }
        }
    }

    @Override
    public String describe() {
        return "files under " + root;
    }
}
