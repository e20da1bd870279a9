package dev.streamcast.kubernetes.validation;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Validates the kinds Kubernetes itself defines (StatefulSet, Service, CronJob, ...) against the
 * fabric8 model, which mirrors the API's Go types: unknown fields, values of the wrong type, malformed
 * quantities and int-or-strings (see {@link ModelBinding}), and the {@code metadata} rules of
 * {@link ObjectMetaRules}. The API server's value rules beyond types (a container needs a name, a
 * selector must match the template's labels, ...) are not checked.
 */
public final class BuiltInValidator {

    /**
     * Versions fabric8 still models that current clusters no longer serve: a manifest using them
     * passes every type check and is then refused by {@code kubectl apply}.
     */
    private static final Map<GroupVersionKind, String> REMOVED = Map.of(
            GroupVersionKind.of("batch/v1beta1", "CronJob"), "removed in Kubernetes 1.25; use batch/v1",
            GroupVersionKind.of("policy/v1beta1", "PodDisruptionBudget"), "removed in Kubernetes 1.25; use policy/v1",
            GroupVersionKind.of("policy/v1beta1", "PodSecurityPolicy"), "removed in Kubernetes 1.25, without replacement",
            GroupVersionKind.of("networking.k8s.io/v1beta1", "Ingress"), "removed in Kubernetes 1.22; use networking.k8s.io/v1",
            GroupVersionKind.of("networking.k8s.io/v1beta1", "IngressClass"), "removed in Kubernetes 1.22; use networking.k8s.io/v1");

    private static final String REGISTRY = "META-INF/services/" + KubernetesResource.class.getName();

    private final Map<GroupVersionKind, Class<?>> models;

    private BuiltInValidator(Map<GroupVersionKind, Class<?>> models) {
        this.models = Collections.unmodifiableMap(models);
    }

    /**
     * Every resource kind (a class with metadata, lists excluded) that the fabric8 model jars on the
     * class path register; adding a jar (kubernetes-model-rbac, -autoscaling) adds its kinds.
     */
    public static BuiltInValidator fromClassPath() {
        Map<GroupVersionKind, Class<?>> models = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        ClassLoader loader = BuiltInValidator.class.getClassLoader();
        try {
            Enumeration<URL> registries = loader.getResources(REGISTRY);
            while (registries.hasMoreElements()) {
                URL registry = registries.nextElement();
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(registry.openStream(), StandardCharsets.UTF_8))) {
                    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                        String className = line.strip();
                        if (className.isEmpty() || className.startsWith("#")) {
                            continue;
                        }
                        Class<?> model = Class.forName(className, false, loader);
                        if (HasMetadata.class.isAssignableFrom(model)) {
                            @SuppressWarnings("unchecked")
                            Class<? extends HasMetadata> resource = (Class<? extends HasMetadata>) model;
                            models.put(GroupVersionKind.of(HasMetadata.getApiVersion(resource), HasMetadata.getKind(resource)), model);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the fabric8 registries " + REGISTRY, e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("a fabric8 registry names a class that is not on the class path", e);
        }
        return new BuiltInValidator(models);
    }

    public Set<GroupVersionKind> kinds() {
        return models.keySet();
    }

    public boolean knows(GroupVersionKind kind) {
        return models.containsKey(kind);
    }

    /** Validates one whole resource; its own {@code apiVersion} and {@code kind} choose the model. */
    public ValidationReport validate(JsonNode resource) {
        List<String> errors = new ArrayList<>();
        if (!resource.isObject()) {
            errors.add(FieldPath.ROOT.at("expected object, got " + JsonTypes.describe(resource)));
            return ValidationReport.ofErrors(errors);
        }
        JsonNode apiVersion = resource.path("apiVersion");
        JsonNode kind = resource.path("kind");
        if (!apiVersion.isTextual() || !kind.isTextual()) {
            errors.add(FieldPath.ROOT.at("expected string apiVersion and kind, got apiVersion " + JsonTypes.describe(apiVersion)
                    + " and kind " + JsonTypes.describe(kind)));
            return ValidationReport.ofErrors(errors);
        }
        GroupVersionKind gvk = GroupVersionKind.of(apiVersion.textValue(), kind.textValue());
        String removed = REMOVED.get(gvk);
        if (removed != null) {
            errors.add(FieldPath.ROOT.at(gvk + " is " + removed));
            return ValidationReport.ofErrors(errors);
        }
        Class<?> model = models.get(gvk);
        if (model == null) {
            errors.add(FieldPath.ROOT.at("no schema for " + gvk));
            return ValidationReport.ofErrors(errors);
        }
        ModelBinding.check(resource, model, FieldPath.ROOT, errors);
        ObjectMetaRules.check(resource.get("metadata"), gvk.kind(), errors);
        return ValidationReport.ofErrors(errors);
    }
}
