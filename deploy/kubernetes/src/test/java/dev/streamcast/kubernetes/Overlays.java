package dev.streamcast.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamcast.kubernetes.validation.ManifestValidator;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The manifests as Kubernetes gets them: each overlay rendered by {@code kubectl kustomize} (or a
 * stand-alone {@code kustomize build}), split into documents. Where neither tool is installed the
 * checks that need a rendering are skipped with a message saying so: kustomize is a Go program
 * that neither Maven nor Debian's stable release provides.
 */
public final class Overlays {

    public static final List<String> NAMES = List.of("dev", "production");

    private Overlays() {
    }

    /** The repository root ({@code streamcast.root}, set by the module's surefire configuration). */
    public static Path root() {
        return Path.of(System.getProperty("streamcast.root", "../..")).toAbsolutePath().normalize();
    }

    public static Path kubernetes() {
        return root().resolve("deploy/kubernetes");
    }

    /** The documents of {@code overlays/<name>} as rendered; skips the calling test where no kustomize is installed. */
    public static List<JsonNode> render(String name) throws IOException, InterruptedException {
        return documents(renderText(kubernetes().resolve("overlays").resolve(name)));
    }

    /** The base alone, rendered. */
    public static List<JsonNode> renderBase() throws IOException, InterruptedException {
        return documents(renderText(kubernetes().resolve("base")));
    }

    static String renderText(Path folder) throws IOException, InterruptedException {
        List<String> command = tool().orElse(null);
        Assumptions.assumeTrue(command != null, "skipped: rendering the overlays needs 'kubectl kustomize' or 'kustomize build' on the PATH,"
                + " and neither is installed here (install kubectl, which includes kustomize)");
        List<String> line = new ArrayList<>(command);
        line.add(folder.toString());
        Process p = new ProcessBuilder(line).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", line) + " failed: " + err);
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private static Optional<List<String>> tool() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, "kubectl"))) {
                return Optional.of(List.of(Path.of(dir, "kubectl").toString(), "kustomize"));
            }
            if (Files.isExecutable(Path.of(dir, "kustomize"))) {
                return Optional.of(List.of(Path.of(dir, "kustomize").toString(), "build"));
            }
        }
        return Optional.empty();
    }

    /** Every non-empty document of a multi-document YAML text (duplicate keys refused). */
    public static List<JsonNode> documents(String yaml) {
        return ManifestValidator.readDocuments(yaml);
    }

    /** The documents of {@code kind}. */
    public static List<JsonNode> ofKind(List<JsonNode> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
    }

    /** The one document of {@code kind} named {@code name}. */
    public static JsonNode named(List<JsonNode> docs, String kind, String name) {
        return ofKind(docs, kind).stream().filter(d -> name.equals(d.path("metadata").path("name").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " named " + name));
    }
}
