package dev.streamcast.kubernetes.validation;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Validates rendered manifests (the output of {@code kustomize build}) without a cluster: each
 * document against its CustomResourceDefinition's schema when one is loaded ({@link SchemaValidator}),
 * else against the built-in kinds' model ({@link BuiltInValidator}). Every line of the report starts
 * with the document it is about, {@code KafkaTopic/features: spec.partitions: ...}.
 */
public final class ManifestValidator {

    private final CrdSchemas crds;
    private final BuiltInValidator builtIns;

    public ManifestValidator(CrdSchemas crds, BuiltInValidator builtIns) {
        this.crds = crds;
        this.builtIns = builtIns;
    }

    /** The CRDs under {@code crdFolder} (the tests' {@code streamcast.crds}) and every fabric8 kind on the class path. */
    public static ManifestValidator withCrds(Path crdFolder) throws IOException {
        return new ManifestValidator(CrdSchemas.load(crdFolder), BuiltInValidator.fromClassPath());
    }

    /** The CRDs of {@link CrdSchemas#configured()} and every fabric8 kind on the class path. */
    public static ManifestValidator configured() {
        return new ManifestValidator(CrdSchemas.configured(), BuiltInValidator.fromClassPath());
    }

    /** The documents of a multi-document YAML string, empty ones left out; a syntax error names its line. */
    public static List<JsonNode> readDocuments(String yaml) {
        return YamlDocuments.read(yaml, "manifest");
    }

    /** The documents of a YAML file, empty ones left out; a syntax error names the file and line. */
    public static List<JsonNode> readDocuments(Path file) throws IOException {
        return YamlDocuments.read(Files.readString(file), file.toString());
    }

    /** Every document of a multi-document YAML string, {@link #readDocuments(String)} then {@link #validate(List)}. */
    public ValidationReport validate(String yaml) {
        return validate(readDocuments(yaml));
    }

    public ValidationReport validate(List<JsonNode> documents) {
        ValidationReport report = ValidationReport.EMPTY;
        for (int i = 0; i < documents.size(); i++) {
            JsonNode document = documents.get(i);
            report = report.plus(validateOne(document).prefixed(label(document, i) + ": "));
        }
        return report;
    }

    /** One document, its lines prefixed like those of {@link #validate(List)}. */
    public ValidationReport validate(JsonNode document) {
        return validateOne(document).prefixed(label(document, 0) + ": ");
    }

    private ValidationReport validateOne(JsonNode document) {
        JsonNode apiVersion = document.path("apiVersion");
        JsonNode kind = document.path("kind");
        if (!apiVersion.isTextual() || !kind.isTextual()) {
            return builtIns.validate(document);
        }
        GroupVersionKind gvk = GroupVersionKind.of(apiVersion.textValue(), kind.textValue());
        Optional<CrdSchemas.CrdVersion> crd = crds.find(gvk);
        if (crd.isEmpty()) {
            return builtIns.validate(document);
        }
        if (!crd.get().served()) {
            return ValidationReport.ofErrors(List.of(FieldPath.ROOT.at(gvk + " is defined by " + crd.get().source().getFileName()
                    + " but not served")));
        }
        ValidationReport report = SchemaValidator.validate(document, crd.get().schema());
        return crd.get().deprecationWarning()
                .map(warning -> report.plus(new ValidationReport(List.of(), List.of(FieldPath.ROOT.at(warning)), List.of())))
                .orElse(report);
    }

    /** {@code Kind/name}, or the document's position where it has neither. */
    private static String label(JsonNode document, int index) {
        String kind = document.path("kind").isTextual() ? document.path("kind").textValue() : null;
        JsonNode metadata = document.path("metadata");
        String name = metadata.path("name").isTextual() ? metadata.path("name").textValue()
                : metadata.path("generateName").isTextual() ? metadata.path("generateName").textValue() + "*" : null;
        if (kind == null) {
            return "document " + (index + 1);
        }
        return kind + "/" + (name == null ? "(no name)" : name);
    }
}
