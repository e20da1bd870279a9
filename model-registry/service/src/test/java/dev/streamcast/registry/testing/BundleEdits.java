package dev.streamcast.registry.testing;

import dev.streamcast.contracts.bundle.BundleArchive;
import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.InvalidBundleException;
import dev.streamcast.contracts.bundle.Manifests;
import dev.streamcast.contracts.bundle.StateTensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The ways a bundle (made by the one test bundle fixture, {@code TestBundles}) can be broken on its
 * way to the registry: zips of any entries, edited manifests, replaced files.
 */
public final class BundleEdits {

    private BundleEdits() {
    }

    /** The bundle as the zip the registry takes. */
    public static byte[] zip(Path dir) throws IOException, InvalidBundleException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BundleArchive.zip(dir, Manifests.read(dir), out);
        return out.toByteArray();
    }

    /** Every file of the folder as a zip, without checking the manifest first: for broken bundles. */
    public static byte[] zipRaw(Path dir) throws IOException, InvalidBundleException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                entries.put(f.getFileName().toString(), Files.readAllBytes(f));
            }
        }
        return zipOf(entries);
    }

    /** A zip of exactly these entries (name to content), in this order: for archives that break the rules. */
    public static byte[] zipOf(Map<String, byte[]> entries) throws IOException, InvalidBundleException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }

    /** The bundle's files as zip entries, manifest first. */
    public static Map<String, byte[]> entries(Path dir) throws IOException, InvalidBundleException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put(BundleManifest.MANIFEST_FILE, Files.readAllBytes(dir.resolve(BundleManifest.MANIFEST_FILE)));
        for (String file : Manifests.read(dir).files().keySet()) {
            entries.put(file, Files.readAllBytes(dir.resolve(file)));
        }
        return entries;
    }

    /** Rewrites the manifest through a change of the record (the writer refuses invalid ones). */
    public static void editManifest(Path dir, UnaryOperator<BundleManifest> change) throws IOException, InvalidBundleException {
        Path file = dir.resolve(BundleManifest.MANIFEST_FILE);
        Manifests.write(dir, change.apply(Manifests.parse(Files.readAllBytes(file), file.toString())));
    }

    /** Writes the manifest text with a textual replacement, bypassing validation. */
    public static void editManifestText(Path dir, String from, String to) throws IOException, InvalidBundleException {
        Path file = dir.resolve(BundleManifest.MANIFEST_FILE);
        String text = Files.readString(file);
        if (!text.contains(from)) {
            throw new IllegalArgumentException("manifest has no '" + from + "': " + text);
        }
        Files.writeString(file, text.replace(from, to));
    }

    /** Replaces a file's content and updates its sha256 in the manifest, so only the content is wrong. */
    public static void replaceFile(Path dir, String file, byte[] content) throws IOException, InvalidBundleException {
        Files.write(dir.resolve(file), content);
        String sha = Manifests.sha256(content);
        editManifest(dir, m -> {
            Map<String, String> files = new LinkedHashMap<>(m.files());
            files.put(file, sha);
            return withFiles(m, files);
        });
    }

    public static BundleManifest withFiles(BundleManifest m, Map<String, String> files) {
        return new BundleManifest(m.formatVersion(), m.name(), m.architecture(), m.hyperParameters(), m.featureSpec(),
                m.targets(), m.horizon(), m.quantiles(), m.mean(), m.std(), m.state(), m.warmUpSteps(), m.trainingData(),
                m.metrics(), m.parameterCount(), m.opset(), files, m.trainerVersion(), m.sourceRevision());
    }

    public static BundleManifest withState(BundleManifest m, List<StateTensor> state) {
        return new BundleManifest(m.formatVersion(), m.name(), m.architecture(), m.hyperParameters(), m.featureSpec(),
                m.targets(), m.horizon(), m.quantiles(), m.mean(), m.std(), new ArrayList<>(state), m.warmUpSteps(),
                m.trainingData(), m.metrics(), m.parameterCount(), m.opset(), m.files(), m.trainerVersion(),
                m.sourceRevision());
    }

    public static BundleManifest withName(BundleManifest m, String name) {
        return new BundleManifest(m.formatVersion(), name, m.architecture(), m.hyperParameters(), m.featureSpec(),
                m.targets(), m.horizon(), m.quantiles(), m.mean(), m.std(), m.state(), m.warmUpSteps(), m.trainingData(),
                m.metrics(), m.parameterCount(), m.opset(), m.files(), m.trainerVersion(), m.sourceRevision());
    }
}
