package dev.streamcast.contracts.bundle;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A model bundle as one zip file: how it travels between the trainer, the registry and the
 * forecaster. The archive holds {@code manifest.json} and the files the manifest lists, flat, or
 * all under one top-level folder (what {@code zip -r bundle.zip bundle/} makes).
 *
 * <p>{@link #unzip} is written for archives from strangers: it streams, enforces a byte limit on
 * what it reads and on what it writes (so a zip bomb or an endless body stops at the limit), never
 * creates anything outside the target folder, and refuses absolute paths, {@code ..}, nested
 * folders, names outside the safe set, duplicate entries, too many entries and files the manifest
 * does not list. Entries are always written as plain files (a symbolic link stored in the archive
 * becomes a small file whose sha256 then fails), and the manifest's sha256 of every file is checked.
 */
public final class BundleArchive {

    /** Plain file names: the same rule the manifest applies to {@code files}. */
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern FOLDER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private BundleArchive() {
    }

    /** Writes {@code manifest.json} and every file it lists from {@code dir} as a zip to {@code out}. */
    public static void zip(Path dir, BundleManifest manifest, OutputStream out) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out);
        List<String> names = new ArrayList<>();
        names.add(BundleManifest.MANIFEST_FILE);
        names.addAll(new TreeSet<>(manifest.files().keySet()));
        for (String name : names) {
            zip.putNextEntry(new ZipEntry(name));
            Files.copy(dir.resolve(name), zip);
            zip.closeEntry();
        }
        zip.finish();
        zip.flush();
    }

    /**
     * Unpacks a bundle archive into {@code target} (an empty folder) and verifies it with
     * {@link Manifests#read}. Throws {@link BundleTooLargeException} when the archive or its content
     * exceeds {@code maxBytes}, and {@link InvalidBundleException} naming the entry and the rule for
     * everything else. On any failure, {@code target} may hold partial files: the caller owns it.
     */
    public static BundleManifest unzip(InputStream archive, Path target, String source, long maxBytes, int maxEntries)
            throws IOException, InvalidBundleException {
        LimitedInputStream counted = new LimitedInputStream(archive, maxBytes, source);
        Set<String> written = new HashSet<>();
        String folder = null;
        int entries = 0;
        try (ZipInputStream zip = new ZipInputStream(counted)) {
            long unpacked = 0;
            ZipEntry entry;
            while ((entry = zip.getNextEntry()) != null) {
                if (++entries > maxEntries) {
                    throw invalid(source, "more than " + maxEntries + " entries; a bundle is a manifest and a few ONNX files");
                }
                String raw = entry.getName();
                String[] parts = entryParts(source, raw, entry.isDirectory());
                if (entry.isDirectory()) {
                    folder = sameFolder(source, raw, folder, parts[0]);
                    continue;
                }
                if (parts.length == 2) {
                    folder = sameFolder(source, raw, folder, parts[0]);
                } else if (folder != null) {
                    throw invalid(source, "entry '" + raw + "' is outside the folder '" + folder
                            + "/' that holds the other entries");
                }
                String name = parts[parts.length - 1];
                if (!written.add(name)) {
                    throw invalid(source, "entry '" + raw + "' appears twice");
                }
                try (OutputStream out = Files.newOutputStream(target.resolve(name), StandardOpenOption.CREATE_NEW)) {
                    byte[] buffer = new byte[64 * 1024];
                    int n;
                    while ((n = zip.read(buffer)) > 0) {
                        unpacked += n;
                        if (unpacked > maxBytes) {
                            throw new BundleTooLargeException(source, "the unpacked bundle", maxBytes);
                        }
                        out.write(buffer, 0, n);
                    }
                }
            }
            counted.transferTo(OutputStream.nullOutputStream()); // what follows the archive counts against the limit too
        } catch (ZipException e) {
            throw invalid(source, "not a readable zip archive: " + e.getMessage());
        }
        if (entries == 0) {
            throw invalid(source, "not a zip archive, or an empty one (no entries); send the bundle folder as a zip");
        }
        BundleManifest manifest = Manifests.read(target);
        List<String> extra = new ArrayList<>();
        for (String name : new TreeSet<>(written)) {
            if (!name.equals(BundleManifest.MANIFEST_FILE) && !manifest.files().containsKey(name)) {
                extra.add("entry '" + name + "' is not listed in the manifest's files " + new TreeSet<>(manifest.files().keySet()));
            }
        }
        if (!extra.isEmpty()) {
            throw new InvalidBundleException(source, extra);
        }
        return manifest;
    }

    /** The path components of an entry: [file], [folder, file] or, for a folder entry, [folder]. */
    private static String[] entryParts(String source, String raw, boolean directory) throws InvalidBundleException {
        if (raw.startsWith("/") || raw.contains("\\") || raw.matches("^[A-Za-z]:.*")) {
            throw invalid(source, "entry '" + raw + "' is an absolute path or uses backslashes");
        }
        String path = directory && raw.endsWith("/") ? raw.substring(0, raw.length() - 1) : raw;
        String[] parts = path.split("/", -1);
        for (String part : parts) {
            if (part.equals("..") || part.equals(".")) {
                throw invalid(source, "entry '" + raw + "' contains '" + part + "': paths may not leave the bundle");
            }
        }
        if (parts.length > (directory ? 1 : 2)) {
            throw invalid(source, "entry '" + raw + "' is nested too deep: files go at the top or in one folder");
        }
        for (int i = 0; i < parts.length; i++) {
            boolean file = !directory && i == parts.length - 1;
            if (!(file ? FILE_NAME : FOLDER_NAME).matcher(parts[i]).matches() || parts[i].contains("..")) {
                throw invalid(source, "entry '" + raw + "': '" + parts[i] + "' is not a plain name "
                        + (file ? FILE_NAME : FOLDER_NAME).pattern());
            }
        }
        return parts;
    }

    private static String sameFolder(String source, String raw, String folder, String candidate) throws InvalidBundleException {
        if (folder != null && !folder.equals(candidate)) {
            throw invalid(source, "entry '" + raw + "' is in a second folder; expected everything in '" + folder + "/'");
        }
        return candidate;
    }

    private static InvalidBundleException invalid(String source, String problem) {
        return new InvalidBundleException(source, List.of(problem));
    }

    /** Counts what is read and stops at the limit, before the rest of an oversized body is consumed. */
    private static final class LimitedInputStream extends FilterInputStream {
        private final long limit;
        private final String source;
        private long count;

        LimitedInputStream(InputStream in, long limit, String source) {
            super(in);
            this.limit = limit;
            this.source = source;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                add(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                add(n);
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            add(skipped);
            return skipped;
        }

        @Override
        public void close() {
            // the caller owns the underlying stream
        }

        private void add(long n) {
            count += n;
            if (count > limit) {
                throw new BundleTooLargeException(source, "the archive", limit);
            }
        }
    }
}
