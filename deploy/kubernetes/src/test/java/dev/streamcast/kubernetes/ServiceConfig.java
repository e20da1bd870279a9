package dev.streamcast.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.config.ConfigMapping;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * A service's settings as a pod gets them: its own {@code application.properties} (from its module's
 * sources, the file its build packages), overridden by the ConfigMap the manifests mount through
 * {@code QUARKUS_CONFIG_LOCATIONS}.
 */
public record ServiceConfig(String workload, Properties packaged, Properties mounted) {

    /** The module folder (relative to the repository root) of each workload the manifests run. */
    static Path module(String workload) {
        return switch (workload) {
            case "ingest" -> Path.of("ingest");
            case "forecaster" -> Path.of("forecaster");
            case "registry" -> Path.of("model-registry/service");
            case "trainer" -> Path.of("trainer");
            default -> throw new IllegalArgumentException("no Quarkus service named " + workload);
        };
    }

    /** {@code workload}'s settings in a rendering: packaged, and what its ConfigMap (if any) overrides. */
    public static ServiceConfig of(String workload, List<JsonNode> docs) {
        Properties packaged = load(Overlays.root().resolve(module(workload)).resolve("src/main/resources/application.properties"));
        Properties mounted = new Properties();
        Overlays.ofKind(docs, "ConfigMap").stream()
                .filter(c -> c.path("metadata").path("name").asText().equals(workload + "-config"))
                .findFirst()
                .ifPresent(c -> {
                    try {
                        mounted.load(new StringReader(c.path("data").path("application.properties").asText()));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
        return new ServiceConfig(workload, packaged, mounted);
    }

    private static Properties load(Path file) {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** The value a pod runs with ({@code fallback} where neither file sets it). */
    public String get(String key, String fallback) {
        return mounted.getProperty(key, packaged.getProperty(key, fallback));
    }

    public String applicationId() {
        String id = packaged.getProperty("quarkus.kafka-streams.application-id");
        if (id == null) {
            throw new AssertionError(workload + " has no quarkus.kafka-streams.application-id");
        }
        return id;
    }

    public int httpPort() {
        return Integer.parseInt(packaged.getProperty("quarkus.http.port"));
    }

    /**
     * The settings a {@code @ConfigMapping} interface declares, named as Quarkus reads them: its prefix, the path
     * of its nested groups and each method in kebab case ({@code TrainerServiceConfig.run().options()} is
     * {@code trainer.run.options}).
     */
    public static Set<String> settings(Class<?> mapping) {
        ConfigMapping annotation = mapping.getAnnotation(ConfigMapping.class);
        if (annotation == null) {
            throw new IllegalArgumentException(mapping.getName() + " is not a @ConfigMapping");
        }
        Set<String> names = new TreeSet<>();
        collect(mapping, mapping, annotation.prefix(), names);
        return names;
    }

    private static void collect(Class<?> root, Class<?> group, String prefix, Set<String> names) {
        for (Method method : group.getMethods()) {
            if (method.getParameterCount() > 0 || method.isDefault() || Modifier.isStatic(method.getModifiers())) {
                continue;
            }
            String name = prefix + "." + method.getName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
            Class<?> type = method.getReturnType();
            if (type.isInterface() && type.getName().startsWith(root.getName() + "$")) {
                collect(root, type, name, names);
            } else {
                names.add(name);
            }
        }
    }

    /** The environment variable Quarkus reads {@code setting} from: {@code trainer.run.options} is {@code TRAINER_RUN_OPTIONS}. */
    public static String environmentVariable(String setting) {
        return setting.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    /** {@code streamcast.close.timeout}: streams-health's default is PT30S. */
    public Duration closeTimeout() {
        return Duration.parse(get("streamcast.close.timeout", "PT30S"));
    }
}
