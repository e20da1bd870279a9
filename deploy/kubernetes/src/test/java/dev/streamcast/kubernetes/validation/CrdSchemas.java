package dev.streamcast.kubernetes.validation;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The schemas of the custom resources, read from the operators' own CustomResourceDefinitions
 * (Strimzi, KEDA, Prometheus Operator) rather than written down here, so that a manifest is checked
 * against what the cluster will enforce.
 */
public final class CrdSchemas {

    /**
     * One version of one CustomResourceDefinition.
     *
     * @param schema             its {@code openAPIV3Schema}
     * @param served             whether the API server accepts it; an unserved version is refused
     * @param deprecationWarning what the API server warns with when the version is deprecated, else empty
     * @param source             the file it was read from
     */
    public record CrdVersion(GroupVersionKind groupVersionKind, JsonNode schema, boolean served, Optional<String> deprecationWarning,
                             Path source) {
    }

    /** The system property that names the CRD folder; surefire sets it to {@code shared/kubernetes-crds}. */
    public static final String FOLDER_PROPERTY = "streamcast.crds";

    private final Map<GroupVersionKind, CrdVersion> versions;

    private CrdSchemas(Map<GroupVersionKind, CrdVersion> versions) {
        this.versions = Collections.unmodifiableMap(versions);
    }

    /**
     * Every CustomResourceDefinition in the {@code .yaml} and {@code .yml} files under {@code folder},
     * at any depth, several to a file if need be; other documents and files (LICENSE, SOURCE.md) are
     * skipped. A kind defined twice is refused, naming both files.
     */
    public static CrdSchemas load(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("no CustomResourceDefinition folder at " + folder.toAbsolutePath());
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(Files::isRegularFile)
                    .filter(f -> f.getFileName().toString().endsWith(".yaml") || f.getFileName().toString().endsWith(".yml"))
                    .sorted()
                    .toList();
        }
        Map<GroupVersionKind, CrdVersion> versions = new LinkedHashMap<>();
        for (Path file : files) {
            for (JsonNode document : YamlDocuments.read(Files.readString(file), file.toString())) {
                if (!"CustomResourceDefinition".equals(document.path("kind").asText())
                        || !document.path("apiVersion").asText().startsWith("apiextensions.k8s.io/")) {
                    continue;
                }
                for (CrdVersion version : versionsOf(document, file)) {
                    CrdVersion earlier = versions.putIfAbsent(version.groupVersionKind(), version);
                    if (earlier != null) {
                        throw new IllegalArgumentException(version.groupVersionKind() + " is defined in both " + earlier.source()
                                + " and " + file);
                    }
                }
            }
        }
        return new CrdSchemas(versions);
    }

    /**
     * The CRDs of the folder named by {@value #FOLDER_PROPERTY}, read once per JVM and shared: the
     * Kafka CRD alone is 12,000 lines.
     */
    public static CrdSchemas configured() {
        return Configured.CRDS;
    }

    private static final class Configured {

        static final CrdSchemas CRDS = loadConfigured();

        private static CrdSchemas loadConfigured() {
            String folder = System.getProperty(FOLDER_PROPERTY);
            if (folder == null) {
                throw new IllegalStateException("the system property " + FOLDER_PROPERTY + " is not set; the module's"
                        + " surefire configuration sets it to the shared kubernetes-crds folder");
            }
            try {
                return load(Path.of(folder));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the CRDs under " + folder, e);
            }
        }
    }

    private static List<CrdVersion> versionsOf(JsonNode crd, Path file) {
        JsonNode spec = crd.path("spec");
        String group = spec.path("group").asText();
        String kind = spec.path("names").path("kind").asText();
        if (group.isEmpty() || kind.isEmpty()) {
            throw new IllegalArgumentException(file + ": CustomResourceDefinition " + crd.path("metadata").path("name").asText()
                    + " has no spec.group or spec.names.kind");
        }
        // apiextensions.k8s.io/v1beta1 may give one schema for every version in spec.validation
        JsonNode sharedSchema = spec.path("validation").path("openAPIV3Schema");
        List<CrdVersion> versions = new ArrayList<>();
        for (JsonNode version : spec.path("versions")) {
            JsonNode schema = version.path("schema").path("openAPIV3Schema");
            if (schema.isMissingNode()) {
                schema = sharedSchema;
            }
            GroupVersionKind gvk = new GroupVersionKind(group, version.path("name").asText(), kind);
            if (!schema.isObject()) {
                throw new IllegalArgumentException(file + ": " + gvk + " has no openAPIV3Schema");
            }
            Optional<String> deprecation = version.path("deprecated").asBoolean(false)
                    ? Optional.of(version.path("deprecationWarning").asText(gvk + " is deprecated"))
                    : Optional.empty();
            versions.add(new CrdVersion(gvk, schema, version.path("served").asBoolean(false), deprecation, file));
        }
        return versions;
    }

    public Optional<CrdVersion> find(GroupVersionKind kind) {
        return Optional.ofNullable(versions.get(kind));
    }

    public Optional<JsonNode> schema(GroupVersionKind kind) {
        return find(kind).map(CrdVersion::schema);
    }

    /** Whether the API server accepts this version; false for a version no CRD here defines. */
    public boolean served(GroupVersionKind kind) {
        return find(kind).map(CrdVersion::served).orElse(false);
    }

    public Set<GroupVersionKind> kinds() {
        return versions.keySet();
    }

    public Collection<CrdVersion> versions() {
        return versions.values();
    }

    /** The files that defined at least one version. */
    public Set<Path> sources() {
        Set<Path> sources = new TreeSet<>();
        versions.values().forEach(v -> sources.add(v.source()));
        return sources;
    }
}
