package dev.streamcast.registry;

import dev.streamcast.contracts.bundle.BundleArchive;
import dev.streamcast.contracts.bundle.BundleManifest;
import dev.streamcast.contracts.bundle.Manifests;
import dev.streamcast.contracts.bundle.StateTensor;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.contracts.records.ModelEvent;
import dev.streamcast.registry.artifacts.FileArtifactStore;
import dev.streamcast.registry.client.ModelVersion;
import dev.streamcast.registry.client.PublishOptions;
import dev.streamcast.registry.client.RegistryClient;
import dev.streamcast.registry.client.RegistryException;
import dev.streamcast.registry.client.TrainingRun;
import dev.streamcast.registry.testing.BundleEdits;
import dev.streamcast.testkit.Signals;
import dev.streamcast.trainer.testing.TestBundles;
import dev.streamcast.testkit.KafkaFixture;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;


/**
 * Every rule of the registry against the running service, its real database, real ONNX Runtime and
 * real broker. Run once per database: {@link H2RegistryTest} and {@link PostgresRegistryTest}.
 * Each test uses its own model names, so the tests share one service.
 */
abstract class RegistryRules {

    static final String WRITE = "test-write-token-0123456789";
    static final String READ = "test-read-token-0123456789";

    @Inject
    FileArtifactStore artifacts;

    @Inject
    RegistryConfig config;

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

    /** Injected by KafkaTestResource. */
    KafkaFixture kafka;

    @TempDir
    Path tmp;

    // ---- versions

    @Test
    void anUploadBecomesVersionOneWithItsShaSizeMetricsLineageAndSignature() throws Exception {
        Path dir = TestBundles.seasonalNaive(tmp.resolve("b"), "upload-basic", TestBundles.metrics(0.42, 7.5));
        byte[] zip = BundleEdits.zip(dir);

        upload("upload-basic", zip, "creator=ci-bot&description=first seasonal")
                .statusCode(201)
                .header("Location", containsString("/api/models/upload-basic/versions/1"))
                .body("model", equalTo("upload-basic"))
                .body("version", equalTo(1))
                .body("sha256", equalTo(Manifests.sha256(dir.resolve("manifest.json"))))
                .body("architecture", equalTo("seasonal-naive"))
                .body("creator", equalTo("ci-bot"))
                .body("description", equalTo("first seasonal"))
                .body("metrics.mse", equalTo(0.42f))
                .body("lineage.dataSource", equalTo("transformers.csv"))
                .body("lineage.dataFrom", equalTo(Signals.START))
                .body("lineage.dataRows", equalTo(420))
                .body("signature.features", equalTo(List.of("oil_c")))
                .body("signature.horizon", equalTo(6))
                .body("signature.state[0].name", equalTo("season"))
                .body("signature.state[0].kind", equalTo("WINDOW"))
                .body("signature.stateBytesPerEntity", equalTo(23 * 4))
                .body("files.name", equalTo(List.of("manifest.json", "sequence.onnx", "step.onnx")));

        long expectedSize = 0;
        for (String f : List.of("manifest.json", "sequence.onnx", "step.onnx")) {
            expectedSize += Files.size(dir.resolve(f));
        }
        reader().get("/api/models/upload-basic/versions/1").then().statusCode(200)
                .body("sizeBytes", equalTo((int) expectedSize))
                .body("createdAt", org.hamcrest.Matchers.greaterThan(0L))
                .body("archivedAt", org.hamcrest.Matchers.nullValue());
        reader().get("/api/models/upload-basic").then().statusCode(200)
                .body("latestVersion", equalTo(1)).body("versionCount", equalTo(1));
    }

    @Test
    void versionsAreNumberedPerModelAndANumberIsNeverGivenTwice() throws Exception {
        byte[] a = BundleEdits.zip(TestBundles.lastValue(tmp.resolve("a"), "numbered-a", TestBundles.metrics(1.0, 1.0)));
        byte[] b = BundleEdits.zip(TestBundles.lastValue(tmp.resolve("b"), "numbered-b", TestBundles.metrics(1.0, 1.0)));

        upload("numbered-a", a, "").statusCode(201).body("version", equalTo(1));
        upload("numbered-a", a, "").statusCode(201).body("version", equalTo(2));
        upload("numbered-b", b, "").statusCode(201).body("version", equalTo(1));
        writer().delete("/api/models/numbered-a/versions/2").then().statusCode(204);
        upload("numbered-a", a, "").statusCode(201).body("version", equalTo(3));

        reader().get("/api/models/numbered-a/versions").then().statusCode(200).body("version", equalTo(List.of(1, 3)));
        reader().get("/api/models/numbered-a/versions/2").then().statusCode(404)
                .body("error", equalTo("model 'numbered-a' has no version 2"));
    }

    @Test
    void concurrentUploadsToOneModelGetDistinctVersions() throws Exception {
        byte[] zip = BundleEdits.zip(TestBundles.lastValue(tmp.resolve("c"), "concurrent", TestBundles.metrics(1.0, 1.0)));
        int uploads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> versions = new ArrayList<>();
            for (int i = 0; i < uploads; i++) {
                Callable<Integer> call = () -> upload("concurrent", zip, "").statusCode(201).extract().path("version");
                versions.add(pool.submit(call));
            }
            Set<Integer> numbers = new java.util.TreeSet<>();
            for (Future<Integer> v : versions) {
                numbers.add(v.get());
            }
            assertThat(numbers).hasSize(uploads).first().isEqualTo(1);
            assertThat(numbers).last().isEqualTo(uploads);
        } finally {
            pool.shutdownNow();
        }
        reader().get("/api/models/concurrent").then().body("latestVersion", equalTo(uploads))
                .body("versionCount", equalTo(uploads));
    }

    @Test
    void aRetriedUploadWithTheSameIdempotencyKeyGivesBackTheSameVersion() throws Exception {
        byte[] zip = BundleEdits.zip(TestBundles.lastValue(tmp.resolve("i"), "idempotent", TestBundles.metrics(1.0, 1.0)));
        writer().header("Idempotency-Key", "publish-7f3a").contentType("application/zip").body(zip)
                .post("/api/models/idempotent/versions").then().statusCode(201).body("version", equalTo(1));
        writer().header("Idempotency-Key", "publish-7f3a").contentType("application/zip").body(zip)
                .post("/api/models/idempotent/versions").then().statusCode(200).body("version", equalTo(1));
        reader().get("/api/models/idempotent").then().body("versionCount", equalTo(1));
    }

    // ---- bad uploads: 400 naming what is wrong, 413 over the limit, nothing left behind

    @Test
    void anInvalidManifestGives400NamingTheField() throws Exception {
        Path dir = TestBundles.lastValue(tmp.resolve("m"), "bad-manifest", Map.of());
        BundleEdits.editManifestText(dir, "\"horizon\" : 6", "\"horizon\" : 0");

        upload("bad-manifest", BundleEdits.zipRaw(dir), "").statusCode(400)
                .body("error", containsString("horizon"))
                .body("error", containsString("0"));

        Map<String, byte[]> noManifest = BundleEdits.entries(TestBundles.lastValue(tmp.resolve("n"), "bad-manifest", Map.of()));
        noManifest.remove("manifest.json");
        upload("bad-manifest", BundleEdits.zipOf(noManifest), "").statusCode(400)
                .body("error", containsString("no manifest.json in the bundle"));
        upload("bad-manifest", "not a zip at all".getBytes(StandardCharsets.UTF_8), "").statusCode(400)
                .body("error", containsString("not a zip archive"));
        assertNothingStored("bad-manifest");
    }

    @Test
    void aFileWhoseSha256DiffersFromTheManifestGives400() throws Exception {
        Path dir = TestBundles.lastValue(tmp.resolve("s"), "bad-sha", Map.of());
        byte[] step = Files.readAllBytes(dir.resolve("step.onnx"));
        step[step.length - 1] ^= 1;
        Files.write(dir.resolve("step.onnx"), step);

        upload("bad-sha", BundleEdits.zipRaw(dir), "").statusCode(400)
                .body("problems[0]", containsString("files.step.onnx: sha256 is " + Manifests.sha256(step)
                        + " but the manifest says"));
        assertNothingStored("bad-sha");
    }

    @Test
    void anOnnxFileThatDoesNotLoadGives400() throws Exception {
        Path dir = TestBundles.lastValue(tmp.resolve("o"), "bad-onnx", Map.of());
        BundleEdits.replaceFile(dir, "step.onnx", "this is not a protobuf".getBytes(StandardCharsets.UTF_8));

        upload("bad-onnx", BundleEdits.zip(dir), "").statusCode(400)
                .body("problems", hasItem(containsString("step.onnx: does not load in ONNX Runtime")));
        assertNothingStored("bad-onnx");
    }

    @Test
    void graphsWhoseInputsOutputsOrStateDifferFromTheManifestGive400() throws Exception {
        Path carry = TestBundles.lastValue(tmp.resolve("carry"), "bad-graph", Map.of());
        BundleEdits.editManifest(carry, m -> BundleEdits.withState(m, List.of(StateTensor.carry("h", 4))));
        upload("bad-graph", BundleEdits.zip(carry), "").statusCode(400)
                .body("problems", hasItem(containsString("step.onnx: has no input 'h' (the manifest needs [B, 4])")))
                .body("problems", hasItem(containsString("step.onnx: has no output 'h.next'")));

        Path renamed = TestBundles.seasonalNaive(tmp.resolve("renamed"), "bad-graph", Map.of());
        BundleEdits.editManifest(renamed, m -> BundleEdits.withState(m, List.of(StateTensor.window("taps", 23, 1))));
        upload("bad-graph", BundleEdits.zip(renamed), "").statusCode(400)
                .body("problems", hasItem("step.onnx: input 'season' is not in the manifest (expected exactly [taps, x])"))
                .body("problems", hasItem("step.onnx: output 'season.new' is not in the manifest (expected exactly"
                        + " [taps.new, yhat])"));

        Path longer = TestBundles.seasonalNaive(tmp.resolve("longer"), "bad-graph", Map.of());
        BundleEdits.editManifest(longer, m -> BundleEdits.withState(m, List.of(StateTensor.window("season", 47, 1))));
        upload("bad-graph", BundleEdits.zip(longer), "").statusCode(400)
                .body("problems", hasItem("step.onnx: input 'season' has shape [B, 23, 1] but the manifest implies [B, 47, 1]"));

        Path swapped = TestBundles.lastValue(tmp.resolve("swapped"), "bad-graph", Map.of());
        BundleEdits.replaceFile(swapped, "step.onnx", Files.readAllBytes(swapped.resolve("sequence.onnx")));
        upload("bad-graph", BundleEdits.zip(swapped), "").statusCode(400)
                .body("problems", hasItem("step.onnx: input 'x' has shape [B, ?, 1] but the manifest implies [B, 1]"));
        assertNothingStored("bad-graph");
    }

    @Test
    void aManifestNamingAnotherModelGives400() throws Exception {
        byte[] zip = BundleEdits.zip(TestBundles.lastValue(tmp.resolve("x"), "some-other-model", Map.of()));
        upload("named-model", zip, "").statusCode(400)
                .body("problems[0]", equalTo("name: the manifest names model 'some-other-model' but the upload is to"
                        + " model 'named-model'"));
        assertNothingStored("named-model");
    }

    @Test
    void archiveEntriesThatCouldEscapeOrSneakInGive400AndWriteNothing() throws Exception {
        Map<String, byte[]> good = BundleEdits.entries(TestBundles.lastValue(tmp.resolve("z"), "unsafe-zip", Map.of()));
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("../escape.onnx", "contains '..': paths may not leave the bundle");
        cases.put("/etc/escape.onnx", "is an absolute path");
        cases.put("a/b/escape.onnx", "is nested too deep");
        cases.put("notes.txt", "entry 'notes.txt' is not listed in the manifest's files [sequence.onnx, step.onnx]");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            Map<String, byte[]> entries = new LinkedHashMap<>(good);
            entries.put(c.getKey(), "x".getBytes(StandardCharsets.UTF_8));
            upload("unsafe-zip", BundleEdits.zipOf(entries), "").statusCode(400).body("error", containsString(c.getValue()));
        }
        byte[] duplicate = duplicateEntryZip(good);
        upload("unsafe-zip", duplicate, "").statusCode(400).body("error", containsString("appears twice"));

        try (Stream<Path> all = Stream.concat(Files.walk(config.dataDir()), Files.list(config.dataDir().toAbsolutePath().getParent()))) {
            assertThat(all.filter(p -> p.getFileName().toString().equals("escape.onnx"))).isEmpty();
        }
        assertNothingStored("unsafe-zip");
    }

    @Test
    void aBundleAFolderDeepAsZipMakesItIsAccepted() throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("bundle/", new byte[0]);
        BundleEdits.entries(TestBundles.lastValue(tmp.resolve("f"), "folder-zip", Map.of()))
                .forEach((name, content) -> entries.put("bundle/" + name, content));
        upload("folder-zip", BundleEdits.zipOf(entries), "").statusCode(201).body("version", equalTo(1));
    }

    @Test
    void aBodyOverTheSizeLimitGives413AndSoDoesAnArchiveThatUnpacksBeyondIt() throws Exception {
        long limit = config.upload().maxSize().asLongValue();
        byte[] big = new byte[(int) limit + 1024];
        new Random(1).nextBytes(big);
        // Expect: 100-continue, as curl sends for large bodies: the registry answers before the body is sent
        HttpResponse<String> refused = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + port + "/api/models/too-large/versions"))
                .header("Authorization", "Bearer " + WRITE).header("Content-Type", "application/zip").expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(413);

        Map<String, byte[]> bomb = new LinkedHashMap<>(BundleEdits.entries(
                TestBundles.lastValue(tmp.resolve("l"), "too-large", Map.of())));
        bomb.put("step.onnx", new byte[(int) limit + 1]); // zeros: a few KiB compressed
        byte[] zip = BundleEdits.zipOf(bomb);
        assertThat(zip.length).isLessThan(100_000);
        upload("too-large", zip, "").statusCode(413)
                .body("error", containsString("the unpacked bundle is over the limit of " + limit + " bytes"));
        assertNothingStored("too-large");
    }

    // ---- aliases, archive, delete

    @Test
    void anAliasMovesAtomicallyAndResolvesToItsVersion() throws Exception {
        byte[] zip = BundleEdits.zip(TestBundles.lastValue(tmp.resolve("al"), "aliased", TestBundles.metrics(1.0, 1.0)));
        for (int i = 0; i < 3; i++) {
            upload("aliased", zip, "").statusCode(201);
        }
        moveAlias("aliased", "champion", 1, null).statusCode(200).body("version", equalTo(1))
                .body("aliases", equalTo(List.of("champion")));
        moveAlias("aliased", "challenger", 3, 0L).statusCode(200);
        moveAlias("aliased", "champion", 2, 1L).statusCode(200).body("version", equalTo(2));
        moveAlias("aliased", "champion", 3, 1L).statusCode(409)
                .body("error", equalTo("alias 'champion' of aliased points at version 2, not at the expected version 1"));
        moveAlias("aliased", "champion", 9, null).statusCode(404)
                .body("error", equalTo("model 'aliased' has no version 9"));

        reader().get("/api/models/aliased/aliases/champion").then().statusCode(200).body("version", equalTo(2));
        reader().get("/api/models/aliased/versions/latest").then().statusCode(200).body("version", equalTo(3));
        reader().get("/api/models/aliased/aliases").then().statusCode(200)
                .body("champion", equalTo(2)).body("challenger", equalTo(3));
        reader().get("/api/models/aliased/aliases/production").then().statusCode(404)
                .body("error", equalTo("model 'aliased' has no alias 'production' (its aliases are [challenger, champion])"));

        writer().delete("/api/models/aliased/aliases/challenger").then().statusCode(204);
        reader().get("/api/models/aliased/aliases").then().body("challenger", org.hamcrest.Matchers.nullValue());
    }

    @Test
    void aVersionAnAliasPointsToCannotBeArchivedOrDeleted() throws Exception {
        byte[] zip = BundleEdits.zip(TestBundles.lastValue(tmp.resolve("ar"), "archiving", TestBundles.metrics(1.0, 1.0)));
        upload("archiving", zip, "").statusCode(201);
        upload("archiving", zip, "").statusCode(201);
        moveAlias("archiving", "champion", 1, null).statusCode(200);

        writer().post("/api/models/archiving/versions/1/archive").then().statusCode(409)
                .body("error", equalTo("archiving@1 cannot be archived: alias champion points at it; move or remove it first"));
        writer().delete("/api/models/archiving/versions/1").then().statusCode(409)
                .body("error", equalTo("archiving@1 cannot be deleted: alias champion points at it; move or remove it first"));

        writer().post("/api/models/archiving/versions/2/archive").then().statusCode(200)
                .body("archivedAt", org.hamcrest.Matchers.notNullValue());
        moveAlias("archiving", "champion", 2, null).statusCode(409)
                .body("error", equalTo("archiving@2 is archived; an alias can only point at a live version"));
        reader().get("/api/models/archiving/versions?archived=false").then().body("version", equalTo(List.of(1)));
        reader().get("/api/models/archiving/versions/latest").then().body("version", equalTo(1));
        reader().get("/api/models/archiving/versions/1/bundle").then().statusCode(200);
    }

    @Test
    void deletingAVersionRemovesOnlyTheFilesNoOtherVersionShares() throws Exception {
        // a horizon no other test uses: content addressing shares identical graphs across models
        Path dir = TestBundles.lastValue(tmp.resolve("d"), "deleting", TestBundles.metrics(1.0, 1.0), 11);
        byte[] first = BundleEdits.zip(dir);
        upload("deleting", first, "").statusCode(201);
        Path other = TestBundles.seasonalNaive(tmp.resolve("d2"), "deleting", TestBundles.metrics(0.5, 2.0));
        upload("deleting", BundleEdits.zip(other), "").statusCode(201);
        upload("deleting", first, "").statusCode(201); // version 3 shares every file with version 1

        String stepSha = Manifests.read(dir).files().get("step.onnx");
        String otherStep = Manifests.read(other).files().get("step.onnx");
        writer().delete("/api/models/deleting/versions/1").then().statusCode(204);
        assertThat(artifacts.contains(stepSha)).as("still used by version 3").isTrue();
        writer().delete("/api/models/deleting/versions/3").then().statusCode(204);
        assertThat(artifacts.contains(stepSha)).as("no version uses it any more").isFalse();
        assertThat(artifacts.contains(otherStep)).isTrue();
    }

    // ---- security

    @Test
    void writesNeedTheWriteTokenAndReadsNeedAToken() throws Exception {
        byte[] zip = BundleEdits.zip(TestBundles.lastValue(tmp.resolve("t"), "guarded", Map.of()));
        given().contentType("application/zip").body(zip).post("/api/models/guarded/versions").then().statusCode(401)
                .header("WWW-Authenticate", containsString("Bearer"))
                .body("error", containsString("needs a write token"));
        given().auth().oauth2(READ).contentType("application/zip").body(zip).post("/api/models/guarded/versions")
                .then().statusCode(403).body("error", containsString("this token may only read"));
        given().auth().oauth2("wrong-token-0123456789").contentType("application/zip").body(zip)
                .post("/api/models/guarded/versions").then().statusCode(401)
                .body("error", equalTo("the bearer token is not valid for this registry"));
        given().contentType("application/json").body("{\"version\": 1}").put("/api/models/guarded/aliases/champion")
                .then().statusCode(401);
        assertNothingStored("guarded");

        upload("guarded", zip, "").statusCode(201);
        for (String read : List.of("/api/models", "/api/models/guarded/versions/1", "/api/models/guarded/versions/1/bundle",
                "/api/models/guarded/aliases", "/api/info")) {
            given().get(read).then().statusCode(401).header("WWW-Authenticate", containsString("Bearer"))
                    .body("error", equalTo("reads need a token on this registry (registry.auth.read-open=false):"
                            + " Authorization: Bearer <token>"));
        }
        RegistryException anonymous = catchRegistry(() -> RegistryClient.builder("http://localhost:" + port).build()
                .resolve("guarded@latest"));
        assertThat(anonymous.status()).isEqualTo(401);
        reader().get("/api/models/guarded/versions/1").then().statusCode(200);
        writer().get("/api/models/guarded/versions/1").then().statusCode(200);
        reader().get("/api/info").then().statusCode(200).body("readOpen", equalTo(false))
                .body("livePageUrl", equalTo("http://127.0.0.1:8083/"));
        given().auth().oauth2(READ).contentType("application/json").body("{\"version\": 1}")
                .put("/api/models/guarded/aliases/champion").then().statusCode(403);
    }

    @Test
    void unsafeNamesGive400AndCannotTraversePaths() throws Exception {
        for (String bad : List.of("a..b", ".hidden", "x".repeat(65), "semi;colon", "sp ace")) {
            writer().contentType("application/json").body("{}").put("/api/models/{name}", bad).then().statusCode(400)
                    .body("error", containsString("is not a safe name"));
        }
        reader().urlEncodingEnabled(false).get("/api/models/..%2F..%2Fetc/versions").then()
                .statusCode(org.hamcrest.Matchers.oneOf(400, 404));
        reader().urlEncodingEnabled(false).get("/api/models/%2e%2e/versions").then()
                .statusCode(org.hamcrest.Matchers.oneOf(400, 404));
        byte[] zip = BundleEdits.zip(TestBundles.lastValue(tmp.resolve("u"), "safe-name", Map.of()));
        upload("safe-name", zip, "").statusCode(201);
        moveAlias("safe-name", "7", 1, null).statusCode(400).body("error", containsString("is reserved"));
        moveAlias("safe-name", "latest", 1, null).statusCode(400).body("error", containsString("is reserved"));
        reader().get("/api/models/safe-name/versions/1/files/..%2F..%2Fwrite-token").then().statusCode(404);
        reader().get("/api/models/safe-name/versions/0").then().statusCode(400)
                .body("error", containsString("is not a version number"));
    }

    // ---- downloads and the client

    @Test
    void downloadsGiveBackExactlyTheUploadedFiles() throws Exception {
        Path dir = TestBundles.seasonalNaive(tmp.resolve("dl"), "downloads", TestBundles.metrics(0.3, 4.0));
        upload("downloads", BundleEdits.zip(dir), "").statusCode(201);

        byte[] zip = reader().get("/api/models/downloads/versions/1/bundle").then().statusCode(200)
                .contentType("application/zip").extract().asByteArray();
        Path back = Files.createDirectory(tmp.resolve("back"));
        BundleManifest manifest = BundleArchive.unzip(new ByteArrayInputStream(zip), back, "download", 1 << 20, 10);
        assertThat(manifest).isEqualTo(Manifests.read(dir));
        for (String f : List.of("manifest.json", "step.onnx", "sequence.onnx")) {
            assertThat(back.resolve(f)).hasSameBinaryContentAs(dir.resolve(f));
        }
        byte[] step = reader().get("/api/models/downloads/versions/1/files/step.onnx").then().statusCode(200)
                .extract().asByteArray();
        assertThat(step).isEqualTo(Files.readAllBytes(dir.resolve("step.onnx")));
        reader().get("/api/models/downloads/versions/1/files/README").then().statusCode(404)
                .body("error", equalTo("downloads@1 has no file 'README' (its files are [manifest.json, sequence.onnx,"
                        + " step.onnx])"));
    }

    @Test
    void theClientPublishesResolvesDownloadsAndReportsWhatFailed() throws Exception {
        RegistryClient client = RegistryClient.builder("http://localhost:" + port).token(WRITE).build();
        Path dir = TestBundles.seasonalNaive(tmp.resolve("cl"), "client-model", TestBundles.metrics(0.25, 3.0));

        ModelVersion published = client.publish(dir, PublishOptions.by("trainer").withDescription("seasonal")
                .withAliases("challenger"));
        assertThat(published.ref()).isEqualTo("client-model@1");
        assertThat(published.aliases()).containsExactly("challenger");
        assertThat(published.sha256()).isEqualTo(Manifests.sha256(dir.resolve("manifest.json")));

        assertThat(client.resolve("client-model@challenger").version()).isEqualTo(1);
        assertThat(client.resolve("client-model", "latest").version()).isEqualTo(1);
        assertThat(client.setAlias("client-model", "champion", 1).aliases()).containsExactly("challenger", "champion");
        assertThat(client.model("client-model").aliases()).containsEntry("champion", 1L);
        assertThat(client.listModels()).extracting(m -> m.name()).contains("client-model");

        BundleManifest downloaded = client.download("client-model", 1, tmp.resolve("downloaded"));
        assertThat(downloaded).isEqualTo(Manifests.read(dir));
        assertThat(Manifests.read(tmp.resolve("downloaded"))).isEqualTo(downloaded);

        RegistryException conflict = catchRegistry(() -> client.archive("client-model", 1));
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.attempts()).isEqualTo(1);
        assertThat(conflict.serverMessage()).isEqualTo("client-model@1 cannot be archived: aliases challenger, champion"
                + " point at it; move or remove them first");
        assertThat(conflict.getMessage()).startsWith("POST http://localhost:" + port
                + "/api/models/client-model/versions/1/archive failed with HTTP 409: ");

        RegistryClient reader = RegistryClient.builder("http://localhost:" + port).token(READ).build();
        RegistryException forbidden = catchRegistry(() -> reader.publish(dir, PublishOptions.by("reader")));
        assertThat(forbidden.status()).isEqualTo(403);
        assertThat(forbidden.attempts()).as("a 4xx is never retried").isEqualTo(1);
        RegistryException missing = catchRegistry(() -> reader.resolve("client-model@production"));
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.serverMessage()).contains("has no alias 'production'");
    }

    @Test
    void theTrainerPublishesEveryArchitectureAndPointsTheAliasAtTheLowestValidationError() throws Exception {
        StringBuilder csv = new StringBuilder("date,load,OT\n");
        java.time.format.DateTimeFormatter format = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
                .withZone(java.time.ZoneOffset.UTC);
        for (int r = 0; r < 400; r++) {
            csv.append(format.format(java.time.Instant.ofEpochMilli(Signals.START + r * Signals.HOUR))).append(',')
                    .append(Signals.value(0, 0, r, 24)).append(',').append(Signals.value(0, 1, r, 24)).append('\n');
        }
        Path data = tmp.resolve("trainer.csv");
        java.nio.file.Files.writeString(data, csv);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();

        Path tokenFile = Files.writeString(tmp.resolve("write-token"), WRITE + "\n");
        int status = dev.streamcast.trainer.cli.TrainCommand.run(new String[]{"--data", data.toString(), "--arch",
                "last-value,seasonal-naive", "--horizon", "12", "--lookback", "24", "--name", "trained", "--out",
                tmp.resolve("models").toString(), "--publish", "http://localhost:" + port, "--alias", "champion",
                "--token-file", tokenFile.toString()},
                new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
                new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));

        assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8)).isEmpty();
        assertThat(status).isZero();
        RegistryClient client = RegistryClient.builder("http://localhost:" + port).token(READ).build();
        List<ModelVersion> versions = client.versions("trained", false);
        assertThat(versions).extracting(ModelVersion::architecture).containsExactly("last-value", "seasonal-naive");
        // chosen on the validation split, whatever the test split says
        ModelVersion best = versions.stream().min(java.util.Comparator.comparingDouble(v -> v.metrics().get("val_mse"))).orElseThrow();
        assertThat(client.resolve("trained@champion").version()).isEqualTo(best.version());
        assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8))
                .contains("train: published trained@1 (last-value) to http://localhost:" + port)
                .contains("train: trained@champion now points to version " + best.version());

        assertThat(dev.streamcast.trainer.cli.TrainCommand.run(new String[]{"--data", data.toString(), "--arch", "last-value",
                "--name", "trained", "--horizon", "12", "--lookback", "24", "--out", tmp.resolve("models2").toString(),
                "--publish", "http://localhost:" + port, "--token", READ}, new java.io.PrintStream(new java.io.ByteArrayOutputStream()),
                new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8))).isEqualTo(3);
        assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("publishing failed").contains("HTTP 403");
    }

    // ---- events

    @Test
    void theModelEventsTopicAloneRebuildsEveryAliasKeyedByModelName() throws Exception {
        byte[] zip = BundleEdits.zip(TestBundles.lastValue(tmp.resolve("ev"), "events-model", TestBundles.metrics(1.0, 1.0)));
        upload("events-model", zip, "").statusCode(201);
        upload("events-model", zip, "").statusCode(201);
        upload("events-model", zip, "").statusCode(201);
        moveAlias("events-model", "champion", 1, null).statusCode(200);
        moveAlias("events-model", "challenger", 2, null).statusCode(200);
        moveAlias("events-model", "champion", 2, null).statusCode(200);
        moveAlias("events-model", "shadow", 3, null).statusCode(200);
        writer().delete("/api/models/events-model/aliases/shadow").then().statusCode(204);
        writer().post("/api/models/events-model/versions/1/archive").then().statusCode(200);

        Map<String, Long> expected = Map.of("champion", 2L, "challenger", 2L);
        List<ConsumerRecord<byte[], byte[]>> records = readEventsUntil(all -> {
            Map<String, Map<String, Long>> rebuilt = rebuild(all);
            return expected.equals(rebuilt.get("events-model"))
                    && all.stream().filter(r -> key(r).equals("events-model")).count() >= 9;
        });
        Map<String, Map<String, Long>> rebuilt = rebuild(records);
        assertThat(rebuilt.get("events-model")).isEqualTo(expected);
        for (ConsumerRecord<byte[], byte[]> r : records) {
            assertThat(key(r)).isEqualTo(event(r).model());
        }
        List<ModelEvent> mine = records.stream().filter(r -> key(r).equals("events-model")).map(RegistryRules::event).toList();
        assertThat(mine).extracting(ModelEvent::type).containsExactly(
                ModelEvent.Type.VERSION_CREATED, ModelEvent.Type.VERSION_CREATED, ModelEvent.Type.VERSION_CREATED,
                ModelEvent.Type.ALIAS_MOVED, ModelEvent.Type.ALIAS_MOVED, ModelEvent.Type.ALIAS_MOVED,
                ModelEvent.Type.ALIAS_MOVED, ModelEvent.Type.ALIAS_REMOVED, ModelEvent.Type.VERSION_ARCHIVED);
        assertThat(mine.get(5).previousVersion()).isEqualTo(1L);
        assertThat(mine.get(5).aliases()).isEqualTo(Map.of("champion", 2L, "challenger", 2L));
        assertThat(mine.get(7).alias()).isEqualTo("shadow");
        assertThat(mine.get(0).sha256()).hasSize(64);
        // every model the topic knows agrees with the registry
        for (Map.Entry<String, Map<String, Long>> model : rebuilt.entrySet()) {
            Map<String, Object> live = reader().get("/api/models/{m}/aliases", model.getKey()).then().statusCode(200)
                    .extract().jsonPath().getMap("$");
            Map<String, Long> liveLongs = new TreeMap<>();
            live.forEach((k, v) -> liveLongs.put(k, ((Number) v).longValue()));
            assertThat(model.getValue()).as(model.getKey()).isEqualTo(liveLongs);
        }
    }

    @Test
    void aRefusedChangeSendsNoEvent() throws Exception {
        byte[] zip = BundleEdits.zip(TestBundles.lastValue(tmp.resolve("rf"), "refused-events", TestBundles.metrics(1.0, 1.0)));
        upload("refused-events", zip, "").statusCode(201);
        upload("refused-events", zip, "").statusCode(201);
        moveAlias("refused-events", "champion", 1, null).statusCode(200);
        writer().post("/api/models/refused-events/versions/2/archive").then().statusCode(200);

        moveAlias("refused-events", "champion", 2, null).statusCode(409);          // archived
        moveAlias("refused-events", "champion", 1, 2L).statusCode(409);           // wrong expectation
        writer().post("/api/models/refused-events/versions/1/archive").then().statusCode(409); // aliased
        writer().delete("/api/models/refused-events/versions/1").then().statusCode(409);
        upload("refused-events", "broken".getBytes(StandardCharsets.UTF_8), "").statusCode(400);
        moveAlias("refused-events", "marker", 1, null).statusCode(200);

        List<ModelEvent> mine = readEventsUntil(all -> all.stream().anyMatch(r -> key(r).equals("refused-events")
                && "marker".equals(event(r).alias())))
                .stream().filter(r -> key(r).equals("refused-events")).map(RegistryRules::event).toList();
        assertThat(mine).extracting(ModelEvent::type).containsExactly(ModelEvent.Type.VERSION_CREATED,
                ModelEvent.Type.VERSION_CREATED, ModelEvent.Type.ALIAS_MOVED, ModelEvent.Type.VERSION_ARCHIVED,
                ModelEvent.Type.ALIAS_MOVED);
        assertThat(mine.get(4).aliases()).isEqualTo(Map.of("champion", 1L, "marker", 1L));
    }

    // ---- training runs

    static final String RUN_STARTED = "{\"trigger\": \"drift\", \"state\": \"running\", \"reason\": \"val_mse 0.31 over"
            + " 2 x 0.12 for 3 windows\", \"progress\": \"gru: epoch 3 of 20\", \"startedAt\": \"2026-12-05T10:00:00Z\"}";
    static final String RUN_SUCCEEDED = "{\"trigger\": \"drift\", \"state\": \"succeeded\", \"reason\": \"val_mse 0.31"
            + " over 2 x 0.12 for 3 windows\", \"progress\": \"published gru as version 1\", \"outcome\": \"gru won"
            + " (val_mse 0.118); published as version 1, alias challenger\", \"startedAt\": \"2026-12-05T10:00:00Z\","
            + " \"endedAt\": \"2026-12-05T10:42:05Z\", \"winner\": \"gru\", \"version\": 1, \"alias\": \"challenger\"}";

    @Test
    void aRunIsKeptBeforeItsModelHasAVersionAndUpdatedInPlace() throws Exception {
        String firstUpdate = putRun("runs-first", "1", RUN_STARTED).statusCode(200)
                .body("model", equalTo("runs-first"))
                .body("id", equalTo(1))
                .body("trigger", equalTo("drift"))
                .body("state", equalTo("running"))
                .body("reason", equalTo("val_mse 0.31 over 2 x 0.12 for 3 windows"))
                .body("progress", equalTo("gru: epoch 3 of 20"))
                .body("outcome", equalTo(""))
                .body("startedAt", equalTo("2026-12-05T10:00:00Z"))
                .body("endedAt", org.hamcrest.Matchers.nullValue())
                .body("winner", org.hamcrest.Matchers.nullValue())
                .body("version", org.hamcrest.Matchers.nullValue())
                .body("alias", org.hamcrest.Matchers.nullValue())
                .extract().path("updatedAt");
        // the run does not register the model: it has no version yet
        reader().get("/api/models/runs-first").then().statusCode(404);
        reader().get("/api/models/runs-first/runs").then().statusCode(200)
                .body("id", equalTo(List.of(1))).body("[0].progress", equalTo("gru: epoch 3 of 20"));

        java.time.Instant firstAt = java.time.Instant.parse(firstUpdate);
        while (!java.time.Instant.now().isAfter(firstAt)) { // updatedAt has millisecond resolution: the next one is later
            Thread.onSpinWait();
        }
        putRun("runs-first", "1", RUN_SUCCEEDED).statusCode(200)
                .body("state", equalTo("succeeded"))
                .body("endedAt", equalTo("2026-12-05T10:42:05Z"))
                .body("winner", equalTo("gru"))
                .body("version", equalTo(1))
                .body("alias", equalTo("challenger"))
                .body("outcome", equalTo("gru won (val_mse 0.118); published as version 1, alias challenger"));
        List<Map<String, Object>> runs = reader().get("/api/models/runs-first/runs").then().statusCode(200)
                .extract().jsonPath().getList("$");
        assertThat(runs).hasSize(1);
        assertThat(runs.get(0)).containsEntry("state", "succeeded").containsEntry("progress", "published gru as version 1")
                .containsEntry("startedAt", "2026-12-05T10:00:00Z");
        assertThat(java.time.Instant.parse((String) runs.get(0).get("updatedAt")))
                .isAfter(java.time.Instant.parse(firstUpdate));

        // epoch milliseconds are taken too, and answered as ISO-8601; the model's first version leaves its runs alone
        putRun("runs-first", "2", "{\"trigger\": \"schedule\", \"state\": \"running\", \"startedAt\": 1796464800000}")
                .statusCode(200).body("startedAt", equalTo("2026-12-05T10:00:00Z")).body("reason", equalTo(""));
        upload("runs-first", BundleEdits.zip(TestBundles.lastValue(tmp.resolve("rf"), "runs-first", Map.of())), "")
                .statusCode(201);
        reader().get("/api/models/runs-first/runs").then().statusCode(200).body("id", equalTo(List.of(2, 1)));
    }

    @Test
    void runsComeNewestFirstUpToTheLimitAndAnUnknownModelHasNone() {
        for (String id : List.of("3", "1", "5", "2", "4")) {
            putRun("runs-order", id, RUN_STARTED).statusCode(200);
        }
        reader().get("/api/models/runs-order/runs").then().statusCode(200).body("id", equalTo(List.of(5, 4, 3, 2, 1)));
        reader().get("/api/models/runs-order/runs?limit=2").then().statusCode(200).body("id", equalTo(List.of(5, 4)));
        reader().get("/api/models/runs-order/runs?limit=200").then().statusCode(200).body("id", equalTo(List.of(5, 4, 3, 2, 1)));
        for (String bad : List.of("0", "201", "-1", "many", "1.5")) {
            reader().get("/api/models/runs-order/runs?limit=" + bad).then().statusCode(400).body("status", equalTo(400))
                    .body("error", equalTo("limit: '" + bad + "' is not a whole number between 1 and 200"));
        }
        reader().get("/api/models/never-trained-or-published/runs").then().statusCode(200).body("$", equalTo(List.of()));
        reader().get("/api/models/{m}/runs", "a..b").then().statusCode(400).body("error", containsString("is not a safe name"));
    }

    @Test
    void theRegistryKeepsTheNewest200RunsOfAModel() {
        putRun("runs-kept-other", "1", RUN_STARTED).statusCode(200);
        for (int id = 1; id <= 205; id++) {
            putRun("runs-kept", String.valueOf(id), RUN_STARTED).statusCode(200);
        }
        List<Integer> kept = reader().get("/api/models/runs-kept/runs?limit=200").then().statusCode(200)
                .extract().jsonPath().getList("id");
        assertThat(kept).hasSize(200).startsWith(205, 204).endsWith(7, 6);
        reader().get("/api/models/runs-kept/runs").then().statusCode(200)
                .body("id", equalTo(java.util.stream.IntStream.rangeClosed(186, 205).map(i -> 391 - i).boxed().toList()));

        // a run older than the kept ones would be deleted as it is written: run ids started again
        putRun("runs-kept", "3", RUN_STARTED).statusCode(409).body("error", equalTo("run 3 of model 'runs-kept' is older"
                + " than the newest 200 runs the registry keeps (from run 6); run ids must keep growing"));
        putRun("runs-kept", "6", RUN_SUCCEEDED).statusCode(200).body("state", equalTo("succeeded"));
        assertThat(reader().get("/api/models/runs-kept/runs?limit=200").then().extract().jsonPath().getList("id"))
                .hasSize(200);
        reader().get("/api/models/runs-kept-other/runs").then().body("id", equalTo(List.of(1)));
    }

    @Test
    void aRunReportWithABadFieldGives400NamingIt() {
        String start = "\"startedAt\": \"2026-12-05T10:00:00Z\"";
        String valid = "\"trigger\": \"drift\", \"state\": \"running\", " + start;
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"trigger\": \"cron\", \"state\": \"running\", " + start + "}",
                "field 'trigger': expected one of bootstrap, schedule, drift, history, request (got \"cron\")");
        cases.put("{\"trigger\": \"drift\", \"state\": \"done\", " + start + "}",
                "field 'state': expected one of running, succeeded, refused, failed, cancelled (got \"done\")");
        cases.put("{\"trigger\": 7, \"state\": \"running\", " + start + "}", "field 'trigger': expected a string (got 7)");
        cases.put("{\"state\": \"running\", " + start + "}", "field 'trigger': is required");
        cases.put("{\"trigger\": \"drift\", " + start + "}", "field 'state': is required");
        cases.put("{\"trigger\": \"drift\", \"state\": \"running\"}", "field 'startedAt': is required");
        cases.put("{\"trigger\": \"drift\", \"state\": \"running\", \"startedAt\": \"yesterday\"}",
                "field 'startedAt': unparsable ISO-8601 timestamp (e.g. 2016-07-01T00:00:00Z) (got \"yesterday\")");
        cases.put("{" + valid + ", \"endedAt\": \"2026-12-05T09:59:59Z\"}",
                "field 'endedAt': is before startedAt 2026-12-05T10:00:00Z (got \"2026-12-05T09:59:59Z\")");
        cases.put("{" + valid + ", \"endedAt\": \"soon\"}", "field 'endedAt': unparsable ISO-8601 timestamp");
        cases.put("{" + valid + ", \"reason\": \"" + "r".repeat(1001) + "\"}",
                "field 'reason': longer than 1000 characters (got a string of 1001 characters)");
        cases.put("{" + valid + ", \"progress\": \"" + "p".repeat(1001) + "\"}",
                "field 'progress': longer than 1000 characters (got a string of 1001 characters)");
        cases.put("{" + valid + ", \"outcome\": \"" + "o".repeat(2001) + "\"}",
                "field 'outcome': longer than 2000 characters (got a string of 2001 characters)");
        cases.put("{" + valid + ", \"reason\": \"a\\u0000b\"}", "field 'reason': contains a control character at index 1");
        cases.put("{" + valid + ", \"winner\": \"" + "w".repeat(65) + "\"}", "field 'winner': longer than 64 characters");
        cases.put("{" + valid + ", \"version\": 0}", "field 'version': expected a whole number between 1 and 2147483647 (got 0)");
        cases.put("{" + valid + ", \"version\": \"ten\"}", "field 'version': expected a whole number (got \"ten\")");
        cases.put("{" + valid + ", \"alias\": \"latest\"}", "field 'alias': is reserved");
        cases.put("{" + valid + ", \"alias\": \"../x\"}", "field 'alias': expected a safe name");
        cases.put("{" + valid, "field '$': malformed JSON");
        cases.put("[]", "field '$': expected a JSON object");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            putRun("runs-bad", "1", c.getKey()).statusCode(400).body("status", equalTo(400))
                    .body("error", org.hamcrest.Matchers.startsWith(c.getValue()));
        }
        for (String id : List.of("0", "-1", "x")) {
            putRun("runs-bad", id, RUN_STARTED).statusCode(400)
                    .body("error", equalTo("id: run id '" + id + "' is not a run number (1, 2, ...)"));
        }
        writer().contentType("application/json").body(RUN_STARTED).put("/api/models/{m}/runs/1", "a..b").then()
                .statusCode(400).body("error", containsString("is not a safe name"));
        reader().get("/api/models/runs-bad/runs").then().statusCode(200).body("$", equalTo(List.of()));
    }

    @Test
    void reportingARunNeedsTheWriteTokenAndReadingRunsAToken() {
        given().contentType("application/json").body(RUN_STARTED).put("/api/models/runs-guarded/runs/1").then()
                .statusCode(401).header("WWW-Authenticate", containsString("Bearer"))
                .body("error", containsString("needs a write token"));
        given().auth().oauth2(READ).contentType("application/json").body(RUN_STARTED).put("/api/models/runs-guarded/runs/1")
                .then().statusCode(403).body("error", containsString("this token may only read"));
        given().get("/api/models/runs-guarded/runs").then().statusCode(401);
        reader().get("/api/models/runs-guarded/runs").then().statusCode(200).body("$", equalTo(List.of()));
        putRun("runs-guarded", "1", RUN_STARTED).statusCode(200);
        reader().get("/api/models/runs-guarded/runs").then().statusCode(200).body("id", equalTo(List.of(1)));
    }

    @Test
    void theClientReportsAndListsRuns() {
        RegistryClient client = RegistryClient.builder("http://localhost:" + port).token(WRITE).build();
        java.time.Instant start = java.time.Instant.parse("2026-12-05T10:00:00Z");

        TrainingRun started = client.putRun("runs-client", 1, TrainingRun.report("bootstrap", "running",
                "no champion yet", "reading 2000 rows", null, start, null, null, null, null));
        assertThat(started.model()).isEqualTo("runs-client");
        assertThat(started.id()).isEqualTo(1);
        assertThat(started.running()).isTrue();
        assertThat(started.outcome()).isEmpty();
        assertThat(started.startedAt()).isEqualTo(start);
        assertThat(started.endedAt()).isNull();
        assertThat(started.updatedAt()).isNotNull();

        TrainingRun done = client.putRun("runs-client", 1, TrainingRun.report("bootstrap", "succeeded", "no champion yet",
                "published gru as version 1", "gru won (val_mse 0.12)", start, start.plusSeconds(125), "gru", 1L, "champion"));
        assertThat(done.state()).isEqualTo("succeeded");
        assertThat(done.endedAt()).isEqualTo(start.plusSeconds(125));
        assertThat(done.version()).isEqualTo(1L);
        client.putRun("runs-client", 2, TrainingRun.report("request", "failed", "asked by ops", "", "no rows in the window",
                start.plusSeconds(600), start.plusSeconds(601), null, null, null));

        assertThat(client.runs("runs-client", 20)).extracting(TrainingRun::id).containsExactly(2L, 1L);
        assertThat(client.runs("runs-client", 20).get(1)).isEqualTo(done);
        assertThat(client.runs("runs-client", 1)).singleElement().extracting(TrainingRun::state).isEqualTo("failed");
        assertThat(client.runs("runs-client-never", 5)).isEmpty();

        RegistryException bad = catchRegistry(() -> client.putRun("runs-client", 3, TrainingRun.report("cron", "running",
                null, null, null, start, null, null, null, null)));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.attempts()).isEqualTo(1);
        assertThat(bad.serverMessage()).startsWith("field 'trigger': expected one of bootstrap");
        RegistryException limit = catchRegistry(() -> client.runs("runs-client", 0));
        assertThat(limit.status()).isEqualTo(400);
        assertThat(limit.serverMessage()).isEqualTo("limit: '0' is not a whole number between 1 and 200");

        RegistryClient reader = RegistryClient.builder("http://localhost:" + port).token(READ).build();
        assertThat(catchRegistry(() -> reader.putRun("runs-client", 3, TrainingRun.report("request", "running", null, null,
                null, start, null, null, null, null))).status()).isEqualTo(403);
        assertThat(reader.runs("runs-client", 20)).hasSize(2);
    }

    // ---- operations

    @Test
    void readinessIncludesTheDatabaseAndMetricsCountUploadsByOutcome() throws Exception {
        byte[] zip = BundleEdits.zip(TestBundles.lastValue(tmp.resolve("ops"), "ops-model", Map.of()));
        upload("ops-model", zip, "").statusCode(201);
        upload("ops-model", "nope".getBytes(StandardCharsets.UTF_8), "").statusCode(400);

        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'registry' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'registry' }.data.database", equalTo("ok"));
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).containsPattern("registry_uploads_total\\{[^}]*outcome=\"created\"[^}]*\\} [1-9]");
        assertThat(metrics).containsPattern("registry_uploads_total\\{[^}]*outcome=\"invalid\"[^}]*\\} [1-9]");
        assertThat(metrics).contains("registry_events_pending");
    }

    // ---- helpers

    static RequestSpecification writer() {
        return given().auth().oauth2(WRITE);
    }

    /** Reads need a token: {@code registry.auth.read-open} is false unless set. */
    static RequestSpecification reader() {
        return given().auth().oauth2(READ);
    }

    static ValidatableResponse upload(String model, byte[] zip, String query) {
        return writer().contentType("application/zip").body(zip)
                .post("/api/models/" + model + "/versions" + (query.isEmpty() ? "" : "?" + query)).then();
    }

    static ValidatableResponse putRun(String model, String id, String json) {
        return writer().contentType("application/json").body(json).put("/api/models/{m}/runs/{id}", model, id).then();
    }

    static ValidatableResponse moveAlias(String model, String alias, long version, Long expected) {
        String body = "{\"version\": " + version + (expected == null ? "" : ", \"expectedVersion\": " + expected) + "}";
        return writer().contentType("application/json").body(body)
                .put("/api/models/{m}/aliases/{a}", model, alias).then();
    }

    /** No row for the model, nothing in staging, and no blob that no version references. */
    void assertNothingStored(String model) throws IOException {
        reader().get("/api/models/" + model).then().statusCode(404).body("error", equalTo("no model '" + model + "'"));
        try (Stream<Path> staged = Files.list(config.dataDir().resolve("staging"))) {
            assertThat(staged).as("staging area").isEmpty();
        }
        Set<String> referenced = new java.util.HashSet<>();
        List<String> names = reader().get("/api/models").then().extract().jsonPath().getList("name");
        for (String name : names) {
            List<List<String>> shas = reader().get("/api/models/{m}/versions", name).then().extract()
                    .jsonPath().getList("files.sha256");
            shas.forEach(referenced::addAll);
        }
        try (Stream<Path> blobs = Files.walk(artifacts.root())) {
            List<String> stored = blobs.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).toList();
            assertThat(referenced).as("every stored blob belongs to a version").containsAll(stored);
        }
    }

    /** The reader takes local entries in order: one archive's entries, then a whole second archive. */
    private static byte[] duplicateEntryZip(Map<String, byte[]> good) throws Exception {
        byte[] first = BundleEdits.zipOf(Map.of("manifest.json", good.get("manifest.json")));
        int centralDirectory = indexOf(first, new byte[]{0x50, 0x4b, 0x01, 0x02});
        byte[] second = BundleEdits.zipOf(good);
        byte[] merged = new byte[centralDirectory + second.length];
        System.arraycopy(first, 0, merged, 0, centralDirectory);
        System.arraycopy(second, 0, merged, centralDirectory, second.length);
        return merged;
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i <= data.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException("pattern not found");
    }

    private static RegistryException catchRegistry(Runnable call) {
        try {
            call.run();
        } catch (RegistryException e) {
            return e;
        }
        throw new AssertionError("expected a RegistryException");
    }

    private List<ConsumerRecord<byte[], byte[]>> readEventsUntil(
            java.util.function.Predicate<List<ConsumerRecord<byte[], byte[]>>> done) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(kafka.consumerProperties())) {
            consumer.subscribe(List.of("model-events"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!done.test(records) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        assertThat(done.test(records)).as("events seen: %s", records.stream().map(RegistryRules::event).toList()).isTrue();
        return records;
    }

    /** What a consumer of the compacted topic does: the latest event per model holds its alias table. */
    private static Map<String, Map<String, Long>> rebuild(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, Map<String, Long>> aliases = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            aliases.put(key(r), event(r).aliases());
        }
        return aliases;
    }

    private static String key(ConsumerRecord<byte[], byte[]> r) {
        return new String(r.key(), StandardCharsets.UTF_8);
    }

    private static ModelEvent event(ConsumerRecord<byte[], byte[]> r) {
        return Codecs.MODEL_EVENT.decode(r.value()).value();
    }

}
