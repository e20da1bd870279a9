package dev.streamcast.forecaster.model;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.Properties;

/**
 * Bundles in a folder, for running without a registry: {@code <root>/<name>/<version>/} holds
 * each version's bundle and {@code <root>/<name>/aliases.properties} maps aliases to versions
 * ({@code champion=3}). Swaps still follow {@code model-events}.
 */
public final class DirectoryBundleSource implements BundleSource {

    private final Path root;

    public DirectoryBundleSource(Path root) {
        this.root = root;
    }

    @Override
    public OptionalLong resolve(String name, String alias) throws ModelLoadException {
        Path file = root.resolve(name).resolve("aliases.properties");
        if (!Files.isRegularFile(file)) {
            return OptionalLong.empty();
        }
        Properties aliases = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            aliases.load(in);
        } catch (IOException e) {
            throw new ModelLoadException(file + " cannot be read: " + e.getMessage(), e);
        }
        String value = aliases.getProperty(alias);
        if (value == null) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            throw new ModelLoadException(file + ": alias " + alias + " = '" + value + "' is not a version number");
        }
    }

    @Override
    public Path fetch(String name, long version) throws ModelLoadException {
        Path dir = root.resolve(name).resolve(String.valueOf(version));
        if (!Files.isDirectory(dir)) {
            throw new ModelLoadException("no bundle for " + name + "@" + version + " in " + root + " (looked for " + dir + ")");
        }
        return dir;
    }

    @Override
    public String describe() {
        return "folder " + root;
    }
}
