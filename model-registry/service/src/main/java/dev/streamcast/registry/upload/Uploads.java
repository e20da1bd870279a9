package dev.streamcast.registry.upload;

import dev.streamcast.contracts.bundle.BundleArchive;
import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.InvalidBundleException;
import dev.streamcast.contracts.bundle.Manifests;
import dev.streamcast.registry.artifacts.ArtifactStore;
import dev.streamcast.registry.artifacts.BlobLocks;
import dev.streamcast.registry.model.Version.BundleFile;
import dev.streamcast.registry.model.NewVersion;
import dev.streamcast.registry.model.Names;
import dev.streamcast.registry.model.Refusal;
import dev.streamcast.registry.store.RegistryStore;
import dev.streamcast.contracts.bundle.GraphCheck;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An upload from the wire to a committed version, all or nothing:
 * <ol>
 *   <li>the zip is unpacked while it streams in, into a fresh folder under the staging area,
 *       within the size and entry limits ({@link BundleArchive#unzip});</li>
 *   <li>the manifest is validated and every file checked against its sha256 ({@link Manifests#read});</li>
 *   <li>every ONNX file is loaded in ONNX Runtime and its interface compared with the manifest ({@link GraphCheck});</li>
 *   <li>under the blob locks, the files move into the artifact store, then one transaction
 *       creates the version (and moves the requested aliases);</li>
 *   <li>if that transaction fails, the blobs this upload created are removed again.</li>
 * </ol>
 * The staging folder is deleted in every case.
 */
public final class Uploads {

    /** The manifest is metadata: it must fit comfortably in a database row. */
    static final int MAX_MANIFEST_BYTES = 1 << 20;

    private final RegistryStore store;
    private final ArtifactStore artifacts;
    private final BlobLocks locks;
    private final GraphCheck graphs;
    private final Path staging;
    private final long maxBytes;
    private final int maxFiles;

    public Uploads(RegistryStore store, ArtifactStore artifacts, BlobLocks locks, GraphCheck graphs, Path staging,
                   long maxBytes, int maxFiles) throws IOException {
        this.store = store;
        this.artifacts = artifacts;
        this.locks = locks;
        this.graphs = graphs;
        this.staging = Files.createDirectories(staging);
        this.maxBytes = maxBytes;
        this.maxFiles = maxFiles;
        clearStaging();
    }

    public long maxBytes() {
        return maxBytes;
    }

    /**
     * Stores {@code archive} as the next version of {@code model}. Throws {@link InvalidBundleException}
     * (400), {@link dev.streamcast.contracts.bundle.BundleTooLargeException} (413) or a {@link Refusal}.
     */
    public RegistryStore.Created publish(String model, InputStream archive, String creator, String description,
                                         List<String> aliases, String uploadKey) throws IOException, InvalidBundleException {
        Names.model(model);
        aliases.forEach(Names::alias);
        if (creator != null && creator.length() > 256) {
            throw Refusal.badRequest("creator: " + creator.length() + " characters, at most 256");
        }
        if (description != null && description.length() > RegistryStore.MAX_DESCRIPTION) {
            throw Refusal.badRequest("description: " + description.length() + " characters, at most "
                    + RegistryStore.MAX_DESCRIPTION);
        }
        if (uploadKey != null && !uploadKey.matches("[A-Za-z0-9._:-]{1,128}")) {
            throw Refusal.badRequest("Idempotency-Key '" + Names.printable(uploadKey)
                    + "' must be 1 to 128 of A-Z a-z 0-9 . _ : -");
        }
        Path dir = Files.createTempDirectory(staging, "upload-");
        try {
            String source = "upload to model '" + model + "'";
            BundleManifest manifest = BundleArchive.unzip(archive, dir, source, maxBytes, maxFiles);
            if (!manifest.name().equals(model)) {
                throw new InvalidBundleException(source, List.of("name: the manifest names model '" + manifest.name()
                        + "' but the upload is to model '" + model + "'"));
            }
            Path manifestFile = dir.resolve(BundleManifest.MANIFEST_FILE);
            if (Files.size(manifestFile) > MAX_MANIFEST_BYTES) {
                throw new InvalidBundleException(source, List.of(BundleManifest.MANIFEST_FILE + ": "
                        + Files.size(manifestFile) + " bytes, at most " + MAX_MANIFEST_BYTES));
            }
            graphs.verify(dir, manifest, source);

            String manifestSha = Manifests.sha256(manifestFile);
            Map<String, BundleFile> files = new TreeMap<>();
            long size = 0;
            files.put(BundleManifest.MANIFEST_FILE, new BundleFile(BundleManifest.MANIFEST_FILE, manifestSha, Files.size(manifestFile)));
            for (Map.Entry<String, String> f : manifest.files().entrySet()) {
                files.put(f.getKey(), new BundleFile(f.getKey(), f.getValue(), Files.size(dir.resolve(f.getKey()))));
            }
            for (BundleFile f : files.values()) {
                size += f.sizeBytes();
            }
            NewVersion version = new NewVersion(model, manifest, Files.readString(manifestFile, StandardCharsets.UTF_8),
                    manifestSha, size, List.copyOf(files.values()), creator == null || creator.isBlank() ? "unknown" : creator,
                    description, aliases, uploadKey);
            return commit(dir, version);
        } finally {
            deleteRecursively(dir);
        }
    }

    private RegistryStore.Created commit(Path dir, NewVersion version) throws IOException {
        List<String> addresses = version.files().stream().map(BundleFile::sha256).distinct().toList();
        try (BlobLocks.Held held = locks.lock(addresses)) {
            List<String> created = new ArrayList<>();
            try {
                for (BundleFile f : version.files()) {
                    Path file = dir.resolve(f.name());
                    if (Files.exists(file) && artifacts.put(f.sha256(), file)) {
                        created.add(f.sha256());
                    }
                }
                return store.createVersion(version);
            } catch (IOException | RuntimeException | Error e) {
                // No other version can reference a blob this upload created: it did not exist when
                // this upload took its lock, and every other writer needs that lock. So no query is
                // needed (the database may be what failed).
                for (String sha : created) {
                    try {
                        artifacts.delete(sha);
                    } catch (IOException | RuntimeException cleanup) {
                        e.addSuppressed(cleanup);
                    }
                }
                throw e;
            }
        }
    }

    /** Removes the files of a deleted version that no other version references. */
    public void removeUnreferenced(List<String> addresses) throws IOException {
        try (BlobLocks.Held held = locks.lock(addresses)) {
            for (String sha : addresses) {
                if (!store.referenced(sha)) {
                    artifacts.delete(sha);
                }
            }
        }
    }

    /** Whatever a crash left in the staging area is incomplete by definition. */
    private void clearStaging() throws IOException {
        try (var entries = Files.list(staging)) {
            for (Path p : entries.toList()) {
                deleteRecursively(p);
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
