package dev.streamcast.registry.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Where bundle files live, addressed by the sha256 of their content: identical files of two
 * versions are stored once, and a stored file never changes. The file system implementation is
 * {@link FileArtifactStore}; an object store (S3 and the like) implements the same five calls
 * (a put of a staged local file under its key, an existence check, a streamed read, a size and a
 * delete).
 *
 * <p>Callers hold {@link BlobLocks} for the addresses they put or delete, so that the cleanup of
 * a failed upload cannot remove a blob that a concurrent upload of the same content relies on.
 */
public interface ArtifactStore {

    /**
     * Moves {@code staged} (a local file whose sha256 the caller verified) into the store under
     * {@code sha256}. Returns true when this call created the blob, false when it was already
     * there (then {@code staged} is deleted).
     */
    boolean put(String sha256, Path staged) throws IOException;

    boolean contains(String sha256);

    /** The content; {@link java.nio.file.NoSuchFileException} when it is missing. */
    InputStream open(String sha256) throws IOException;

    long size(String sha256) throws IOException;

    /** Removes the blob if present. */
    void delete(String sha256) throws IOException;

    /** A short description for health checks and logs. */
    String describe();
}
