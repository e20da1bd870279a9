package dev.streamcast.kubernetes.validation;

/**
 * What a document says it is, as the API server looks it up: {@code apps/v1 StatefulSet} is group
 * {@code apps}, version {@code v1}; the core group ({@code v1 Service}) is the empty group.
 */
public record GroupVersionKind(String group, String version, String kind) {

    /** From a document's {@code apiVersion} ({@code kafka.strimzi.io/v1}, {@code v1}) and {@code kind}. */
    public static GroupVersionKind of(String apiVersion, String kind) {
        int slash = apiVersion.indexOf('/');
        return slash < 0
                ? new GroupVersionKind("", apiVersion, kind)
                : new GroupVersionKind(apiVersion.substring(0, slash), apiVersion.substring(slash + 1), kind);
    }

    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    @Override
    public String toString() {
        return apiVersion() + " " + kind;
    }
}
