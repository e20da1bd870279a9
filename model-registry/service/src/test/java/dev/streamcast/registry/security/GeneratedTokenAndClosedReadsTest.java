package dev.streamcast.registry.security;

import dev.streamcast.registry.RegistryConfig;
import dev.streamcast.registry.testing.BundleEdits;
import dev.streamcast.trainer.testing.TestBundles;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * With no write token configured the registry makes one and keeps it in {@code <data-dir>/write-token}
 * (owner-only); with {@code registry.auth.read-open=false} reads need a token too, while health and
 * metrics stay open. Events are off here: no broker.
 */
@QuarkusTest
@TestProfile(GeneratedTokenAndClosedReadsTest.ClosedReads.class)
class GeneratedTokenAndClosedReadsTest {

    public static final class ClosedReads implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("registry.auth.write-tokens", "", "registry.auth.read-open", "false",
                    "registry.events.enabled", "false");
        }
    }

    static final String READ = "test-read-token-0123456789";

    @Inject
    RegistryConfig config;

    @TempDir
    Path tmp;

    @Test
    void aGeneratedWriteTokenLivesInTheDataDirAndReadsNeedATokenWhenClosed() throws Exception {
        Path file = config.dataDir().resolve("write-token");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        String token = Files.readString(file).strip();
        assertThat(token).hasSizeGreaterThanOrEqualTo(40);

        byte[] zip = BundleEdits.zip(TestBundles.lastValue(tmp.resolve("b"), "closed", Map.of()));
        given().auth().oauth2("test-write-token-0123456789").contentType("application/zip").body(zip)
                .post("/api/models/closed/versions").then().statusCode(401);
        given().auth().oauth2(token).contentType("application/zip").body(zip)
                .post("/api/models/closed/versions").then().statusCode(201).body("version", equalTo(1));

        given().get("/api/models").then().statusCode(401)
                .body("error", equalTo("reads need a token on this registry (registry.auth.read-open=false):"
                        + " Authorization: Bearer <token>"));
        given().auth().oauth2(READ).get("/api/models/closed/versions/1").then().statusCode(200);
        given().auth().oauth2(token).get("/api/models").then().statusCode(200).body("name", equalTo(java.util.List.of("closed")));
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/").then().statusCode(200);
    }
}
