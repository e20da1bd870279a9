package dev.streamcast.forecaster.model;

import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.InvalidBundleException;
import dev.streamcast.contracts.bundle.Manifests;
import dev.streamcast.registry.client.ModelVersion;
import dev.streamcast.registry.client.RegistryClient;
import dev.streamcast.registry.client.RegistryException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Bundles from the model registry, downloaded once into a cache folder
 * ({@code <cache>/<name>/<version>/}) and verified against the sha256 the registry holds.
 */
public final class RegistryBundleSource implements BundleSource {

    private final RegistryClient client;
    private final Path cache;

    public RegistryBundleSource(RegistryClient client, Path cache) {
        this.client = client;
        this.cache = cache;
    }

    @Override
    public OptionalLong resolve(String name, String alias) throws ModelLoadException {
        try {
            return OptionalLong.of(client.resolve(name, alias).version());
        } catch (RegistryException e) {
            if (e.status() == 404) {
                return OptionalLong.empty();
            }
            throw new ModelLoadException("registry " + client.baseUrl() + ": resolving " + name + "@" + alias + " failed: "
                    + e.getMessage(), e);
        }
    }

    @Override
    public Path fetch(String name, long version) throws ModelLoadException {
        Path dir = cache.resolve(name).resolve(String.valueOf(version));
        try {
            ModelVersion expected = client.version(name, version);
            if (Files.isDirectory(dir) && matches(dir, expected.sha256())) {
                return dir;
            }
            Files.createDirectories(dir.getParent());
            Path staging = dir.getParent().resolve(version + ".download-" + java.util.UUID.randomUUID()); // the client creates it
            try {
                client.download(name, version, staging);
                if (!matches(staging, expected.sha256())) {
                    throw new ModelLoadException("registry " + client.baseUrl() + " sent a bundle for " + name + "@" + version
                            + " whose manifest sha256 is not the registered " + expected.sha256());
                }
                deleteTree(dir);
                Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                deleteTree(staging);
            }
            return dir;
        } catch (RegistryException e) {
            throw new ModelLoadException("registry " + client.baseUrl() + ": fetching " + name + "@" + version + " failed: "
                    + e.getMessage(), e);
        } catch (IOException e) {
            throw new ModelLoadException("cannot keep the bundle of " + name + "@" + version + " under " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    private static boolean matches(Path dir, String sha256) {
        try {
            Manifests.read(dir);
            return sha256.equals(Manifests.sha256(dir.resolve(BundleManifest.MANIFEST_FILE)));
        } catch (InvalidBundleException | IOException e) {
            return false;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Override
    public String describe() {
        return "registry " + client.baseUrl();
    }
}
