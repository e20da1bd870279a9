package dev.streamcast.registry.model;

import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.registry.model.Version.BundleFile;

import java.util.List;

/**
 * A verified upload on its way into the database: the manifest as sent (its bytes' sha256 is the
 * version's identity), every file with its sha256 and size, who sent it, and aliases to point at it.
 */
public record NewVersion(String model, BundleManifest manifest, String manifestJson, String sha256, long sizeBytes,
                         List<BundleFile> files, String creator, String description, List<String> aliases,
                         String uploadKey) {

    public NewVersion {
        files = List.copyOf(files);
        aliases = List.copyOf(aliases);
    }
}
