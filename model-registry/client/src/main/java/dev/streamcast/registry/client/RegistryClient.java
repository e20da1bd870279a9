package dev.streamcast.registry.client;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.streamcast.contracts.bundle.BundleArchive;
import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.InvalidBundleException;
import dev.streamcast.contracts.bundle.Manifests;
import dev.streamcast.contracts.json.Json;
import dev.streamcast.contracts.records.ModelNames;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The Java client of the model registry, for the trainer ({@code ./streamcast train --publish}) and
 * the forecaster. Plain {@link HttpClient}, no framework.
 *
 * <pre>
 * RegistryClient registry = RegistryClient.builder("http://127.0.0.1:8082").token(token).build();
 * ModelVersion v = registry.publish(bundleDir, PublishOptions.by("trainer").withAliases("challenger"));
 * ModelVersion champion = registry.resolve("etth1@champion");
 * BundleManifest manifest = registry.download(champion.model(), champion.version(), dir);
 * </pre>
 *
 * <p>Every call has a connect timeout and a request timeout (uploads and downloads their own,
 * longer one). Connection failures, timeouts, HTTP 429 and 5xx are retried with exponential
 * backoff and jitter (honouring {@code Retry-After}) up to {@code maxAttempts}; a 4xx never is,
 * because the request itself is wrong. Publishing sends an {@code Idempotency-Key}, so a retried
 * upload whose first attempt did reach the registry gives back the version it created instead of
 * a second one. Failures are {@link RegistryException}s naming the method, URL, status and the
 * registry's message.
 */
public final class RegistryClient {

    /** Where launchers look for the write token when none is given on the command line. */
    public static final String TOKEN_ENV = "STREAMCAST_REGISTRY_TOKEN";

    private static final int MAX_ERROR_BODY = 64 * 1024;

    private final URI base;
    private final String token;
    private final Duration requestTimeout;
    private final Duration transferTimeout;
    private final int maxAttempts;
    private final Duration backoff;
    private final HttpClient http;

    private RegistryClient(Builder b) {
        String url = b.baseUrl.endsWith("/") ? b.baseUrl.substring(0, b.baseUrl.length() - 1) : b.baseUrl;
        this.base = URI.create(url);
        if (base.getScheme() == null || !(base.getScheme().equals("http") || base.getScheme().equals("https"))
                || base.getHost() == null) {
            throw new IllegalArgumentException("registry URL '" + b.baseUrl + "' is not an http(s) URL like http://127.0.0.1:8082");
        }
        this.token = b.token == null || b.token.isBlank() ? null : b.token.strip();
        this.requestTimeout = b.requestTimeout;
        this.transferTimeout = b.transferTimeout;
        this.maxAttempts = b.maxAttempts;
        this.backoff = b.backoff;
        this.http = HttpClient.newBuilder().connectTimeout(b.connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    public static Builder builder(String baseUrl) {
        return new Builder(baseUrl);
    }

    public URI baseUrl() {
        return base;
    }

    /**
     * Uploads the bundle in {@code bundleDir} (its manifest and the files it lists; verified here
     * first) as the next version of the model the manifest names.
     */
    public ModelVersion publish(Path bundleDir, PublishOptions options) {
        BundleManifest manifest;
        try {
            manifest = Manifests.read(bundleDir);
        } catch (InvalidBundleException e) {
            throw new IllegalArgumentException("not publishing " + bundleDir + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundle in " + bundleDir, e);
        }
        options.aliases().forEach(a -> requireName("alias", a));
        Path zip = null;
        try {
            zip = Files.createTempFile("streamcast-bundle-", ".zip");
            try (OutputStream out = Files.newOutputStream(zip)) {
                BundleArchive.zip(bundleDir, manifest, out);
            }
            StringBuilder query = new StringBuilder();
            appendQuery(query, "creator", options.creator());
            appendQuery(query, "description", options.description());
            options.aliases().forEach(a -> appendQuery(query, "alias", a));
            Path body = zip;
            String key = UUID.randomUUID().toString();
            return call("POST", modelPath(manifest.name()) + "/versions" + query, transferTimeout, Map.of(
                            "Content-Type", "application/zip", "Idempotency-Key", key),
                    () -> {
                        try {
                            return HttpRequest.BodyPublishers.ofFile(body);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }, in -> Json.MAPPER.readValue(in, ModelVersion.class));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot pack the bundle in " + bundleDir, e);
        } finally {
            deleteQuietly(zip);
        }
    }

    /** {@code name@alias}, {@code name@version} or {@code name@latest} to the version it means now. */
    public ModelVersion resolve(String ref) {
        int at = ref == null ? -1 : ref.lastIndexOf('@');
        if (at <= 0 || at == ref.length() - 1) {
            throw new IllegalArgumentException("model reference '" + ref + "' is not name@alias or name@version, e.g. etth1@champion");
        }
        return resolve(ref.substring(0, at), ref.substring(at + 1));
    }

    /** An alias ({@code champion}), a version number ({@code 3}) or {@code latest} (the newest live version). */
    public ModelVersion resolve(String name, String aliasOrVersion) {
        requireName("model name", name);
        if (aliasOrVersion != null && aliasOrVersion.matches("[1-9][0-9]{0,9}")) {
            return version(name, Long.parseLong(aliasOrVersion));
        }
        requireName("alias", aliasOrVersion);
        return get(modelPath(name) + "/aliases/" + aliasOrVersion, ModelVersion.class);
    }

    public ModelVersion version(String name, long version) {
        return get(versionPath(name, version), ModelVersion.class);
    }

    /** Every version of a model, oldest first; archived ones too when {@code includeArchived}. */
    public List<ModelVersion> versions(String name, boolean includeArchived) {
        return get(modelPath(name) + "/versions?archived=" + includeArchived, new TypeReference<List<ModelVersion>>() {
        });
    }

    public List<RegisteredModel> listModels() {
        return get("/api/models", new TypeReference<List<RegisteredModel>>() {
        });
    }

    public RegisteredModel model(String name) {
        return get(modelPath(name), RegisteredModel.class);
    }

    /**
     * Sets the model's description and tags (the registry keeps what it is given: pass every tag to keep); creates
     * the model when it does not exist.
     */
    public RegisteredModel updateModel(String name, String description, Map<String, String> tags) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("description", description);
        body.put("tags", tags);
        return json("PUT", modelPath(name), body, RegisteredModel.class);
    }

    /**
     * Points {@code alias} at {@code version}, atomically. With {@code expectedVersion} non-null the
     * move happens only if the alias points there now (null: anywhere or nowhere), else HTTP 409.
     */
    public ModelVersion setAlias(String name, String alias, long version, Long expectedVersion) {
        requireName("alias", alias);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", version);
        if (expectedVersion != null) {
            body.put("expectedVersion", expectedVersion);
        }
        return json("PUT", modelPath(name) + "/aliases/" + alias, body, ModelVersion.class);
    }

    public ModelVersion setAlias(String name, String alias, long version) {
        return setAlias(name, alias, version, null);
    }

    /** Archives a version (refused with 409 while an alias points to it); archiving twice is harmless. */
    public ModelVersion archive(String name, long version) {
        return call("POST", versionPath(name, version) + "/archive", requestTimeout, Map.of(),
                HttpRequest.BodyPublishers::noBody, in -> Json.MAPPER.readValue(in, ModelVersion.class));
    }

    /**
     * Reports run {@code id} of {@code model} (the trainer's run number, from 1): creates it or replaces what the
     * registry has, and returns it as stored. The model need not exist yet. The registry refuses an unknown
     * trigger or state, a missing trigger, state or start, a text over its limit or an end before the start
     * with HTTP 400 naming the field; the run's own {@code model}, {@code id} and {@code updatedAt} are not sent.
     */
    public TrainingRun putRun(String model, long id, TrainingRun run) {
        Objects.requireNonNull(run, "the run");
        if (id < 1) {
            throw new IllegalArgumentException("run ids start at 1, got " + id);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("trigger", run.trigger());
        body.put("state", run.state());
        body.put("reason", run.reason());
        body.put("progress", run.progress());
        body.put("outcome", run.outcome());
        body.put("startedAt", run.startedAt() == null ? null : run.startedAt().toString());
        body.put("endedAt", run.endedAt() == null ? null : run.endedAt().toString());
        body.put("winner", run.winner());
        body.put("version", run.version());
        body.put("alias", run.alias());
        byte[] bytes;
        try {
            bytes = Json.MAPPER.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return call("PUT", modelPath(model) + "/runs/" + id, requestTimeout, Map.of("Content-Type", "application/json"),
                () -> HttpRequest.BodyPublishers.ofByteArray(bytes), in -> trainingRun(Json.MAPPER.readTree(in)));
    }

    /** The newest {@code limit} runs of a model (the registry keeps 200), newest first; none for an unknown model. */
    public List<TrainingRun> runs(String model, int limit) {
        return call("GET", modelPath(model) + "/runs?limit=" + limit, requestTimeout, Map.of("Accept", "application/json"),
                null, in -> {
                    List<TrainingRun> runs = new ArrayList<>();
                    for (JsonNode run : Json.MAPPER.readTree(in)) {
                        runs.add(trainingRun(run));
                    }
                    return runs;
                });
    }

    /**
     * Downloads a version's bundle into {@code targetDir} (which must not exist yet; it appears
     * complete or not at all) and verifies it: every file against the manifest, and the manifest
     * against the version's sha256.
     */
    public BundleManifest download(String name, long version, Path targetDir) {
        if (Files.exists(targetDir)) {
            throw new IllegalArgumentException("download target " + targetDir + " already exists; give a new folder");
        }
        ModelVersion info = version(name, version);
        Path parent = targetDir.toAbsolutePath().getParent();
        String path = versionPath(name, version) + "/bundle";
        return call("GET", path, transferTimeout, Map.of("Accept", "application/zip"), null, in -> {
            Files.createDirectories(parent);
            Path staging = Files.createTempDirectory(parent, "." + targetDir.getFileName() + ".download-");
            try {
                BundleManifest manifest;
                try {
                    manifest = BundleArchive.unzip(in, staging, base.resolve(path).toString(),
                            info.sizeBytes() + (1 << 20), 1 + info.files().size());
                } catch (InvalidBundleException e) {
                    throw new RegistryException("GET", base.resolve(path), 200, "the bundle that came back is invalid: "
                            + e.getMessage(), 1, e);
                }
                String sha = Manifests.sha256(staging.resolve(BundleManifest.MANIFEST_FILE));
                if (!sha.equals(info.sha256())) {
                    throw new RegistryException("GET", base.resolve(path), 200, "the downloaded manifest has sha256 " + sha
                            + " but " + info.ref() + " is " + info.sha256(), 1, null);
                }
                try {
                    Files.move(staging, targetDir, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(staging, targetDir);
                }
                return manifest;
            } finally {
                deleteRecursively(staging);
            }
        });
    }

    private <T> T get(String path, Class<T> type) {
        return call("GET", path, requestTimeout, Map.of("Accept", "application/json"), null,
                in -> Json.MAPPER.readValue(in, type));
    }

    private <T> T get(String path, TypeReference<T> type) {
        return call("GET", path, requestTimeout, Map.of("Accept", "application/json"), null,
                in -> Json.MAPPER.readValue(in, type));
    }

    private <T> T json(String method, String path, Object body, Class<T> type) {
        byte[] bytes;
        try {
            bytes = Json.MAPPER.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return call(method, path, requestTimeout, Map.of("Content-Type", "application/json"),
                () -> HttpRequest.BodyPublishers.ofByteArray(bytes), in -> Json.MAPPER.readValue(in, type));
    }

    /** The run document; times are ISO-8601 ({@code Json.MAPPER} has no java.time module, so they are read here). */
    private static TrainingRun trainingRun(JsonNode run) {
        if (run == null || !run.isObject()) {
            throw new UncheckedIOException(new IOException("expected a training run as a JSON object, got " + run));
        }
        return new TrainingRun(text(run, "model"), run.path("id").asLong(), text(run, "trigger"), text(run, "state"),
                text(run, "reason"), text(run, "progress"), text(run, "outcome"), instant(run, "startedAt"),
                instant(run, "endedAt"), text(run, "winner"), run.hasNonNull("version") ? run.get("version").asLong() : null,
                text(run, "alias"), instant(run, "updatedAt"));
    }

    private static String text(JsonNode node, String field) {
        return node.hasNonNull(field) ? node.get(field).asText() : null;
    }

    private static Instant instant(JsonNode node, String field) {
        String text = text(node, field);
        try {
            return text == null ? null : Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new UncheckedIOException(new IOException("training run field '" + field + "': '" + text
                    + "' is not an ISO-8601 instant", e));
        }
    }

    @FunctionalInterface
    private interface BodyReader<T> {
        T read(InputStream body) throws IOException;
    }

    /** One call with bounded retries: connection failures, timeouts, 429 and 5xx are retried; a 4xx never. */
    private <T> T call(String method, String path, Duration timeout, Map<String, String> headers,
                       Supplier<HttpRequest.BodyPublisher> body, BodyReader<T> reader) {
        URI url = base.resolve(path);
        for (int attempt = 1; ; attempt++) {
            HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(timeout)
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : body.get());
            headers.forEach(request::header);
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            Duration wait;
            String problem;
            Throwable cause = null;
            int status = 0;
            try {
                HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
                status = response.statusCode();
                try (InputStream in = response.body()) {
                    if (status / 100 == 2) {
                        return reader.read(in);
                    }
                    problem = errorMessage(in.readNBytes(MAX_ERROR_BODY));
                }
                if (!(status == 429 || status / 100 == 5) || attempt >= maxAttempts) {
                    throw new RegistryException(method, url, status, problem, attempt, null);
                }
                wait = retryAfter(response).orElse(backoff(attempt));
            } catch (RegistryException e) {
                throw e;
            } catch (IOException | UncheckedIOException e) {
                problem = describe(e);
                cause = e;
                if (attempt >= maxAttempts) {
                    throw new RegistryException(method, url, status, problem, attempt, e);
                }
                wait = backoff(attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException(method, url, 0, "interrupted", attempt, e);
            }
            try {
                Thread.sleep(wait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RegistryException(method, url, status, "interrupted while waiting to retry after: " + problem,
                        attempt, cause);
            }
        }
    }

    private Duration backoff(int attempt) {
        long max = Math.min(backoff.toMillis() << Math.min(attempt - 1, 10), 10_000);
        return Duration.ofMillis(max / 2 + ThreadLocalRandom.current().nextLong(max / 2 + 1));
    }

    private static java.util.Optional<Duration> retryAfter(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").filter(v -> v.strip().matches("[0-9]{1,3}"))
                .map(v -> Duration.ofSeconds(Math.min(30, Long.parseLong(v.strip()))));
    }

    private static String errorMessage(byte[] body) {
        if (body.length == 0) {
            return "(no message)";
        }
        try {
            JsonNode node = Json.MAPPER.readTree(body);
            if (node != null && node.hasNonNull("error")) {
                return node.get("error").asText();
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: the text itself
        }
        String text = new String(body, StandardCharsets.UTF_8).strip();
        return text.length() > 500 ? text.substring(0, 500) + "..." : text;
    }

    private static String describe(Throwable e) {
        Throwable root = e instanceof UncheckedIOException && e.getCause() != null ? e.getCause() : e;
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }

    private static String modelPath(String name) {
        requireName("model name", name);
        return "/api/models/" + name;
    }

    private static String versionPath(String name, long version) {
        if (version < 1) {
            throw new IllegalArgumentException("versions start at 1, got " + version);
        }
        return modelPath(name) + "/versions/" + version;
    }

    private static void requireName(String what, String name) {
        if (!ModelNames.isName(name)) {
            throw new IllegalArgumentException(what + " '" + name + "' is not a safe name " + ModelNames.NAME.pattern());
        }
    }

    private static void appendQuery(StringBuilder query, String key, String value) {
        if (value == null || value.isBlank()) {
            return;
        }
        query.append(query.length() == 0 ? '?' : '&').append(key).append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a temp file; the OS cleans up
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(paths.sorted(Comparator.reverseOrder()).toList());
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Settings of a client; every one has a default that suits a registry on the same network. */
    public static final class Builder {
        private final String baseUrl;
        private String token;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration transferTimeout = Duration.ofMinutes(5);
        private int maxAttempts = 4;
        private Duration backoff = Duration.ofMillis(250);

        private Builder(String baseUrl) {
            this.baseUrl = Objects.requireNonNull(baseUrl, "the registry URL");
        }

        /** The bearer token: a write token to publish or move aliases, a read token where reads are closed. */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive("connect timeout", timeout);
            return this;
        }

        /** For metadata calls. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive("request timeout", timeout);
            return this;
        }

        /** For uploads and downloads of bundles. */
        public Builder transferTimeout(Duration timeout) {
            this.transferTimeout = positive("transfer timeout", timeout);
            return this;
        }

        /** Attempts per call, the first included (1: no retries). */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1 || attempts > 20) {
                throw new IllegalArgumentException("max attempts must be between 1 and 20, got " + attempts);
            }
            this.maxAttempts = attempts;
            return this;
        }

        /** The first wait before a retry; it doubles per attempt, with jitter, up to 10 s. */
        public Builder backoff(Duration backoff) {
            this.backoff = positive("backoff", backoff);
            return this;
        }

        public RegistryClient build() {
            return new RegistryClient(this);
        }

        private static Duration positive(String what, Duration d) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(what + " must be positive, got " + d);
            }
            return d;
        }
    }
}
