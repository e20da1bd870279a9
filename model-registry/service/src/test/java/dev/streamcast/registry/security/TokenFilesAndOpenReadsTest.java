package dev.streamcast.registry.security;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Tokens from files, one per line, so that none is on a command line: {@code registry.auth.token-file}
 * for writers and {@code registry.auth.read-token-file} for readers. And reads opened on purpose
 * with {@code registry.auth.read-open=true}: no token needed to read, writes still need one.
 */
@QuarkusTest
@TestProfile(TokenFilesAndOpenReadsTest.TokenFilesAndOpenReads.class)
class TokenFilesAndOpenReadsTest {

    static final Path FILES = Path.of("target", "token-files").toAbsolutePath();
    static final String WRITE_A = "file-write-token-a-0123456789";
    static final String WRITE_B = "file-write-token-b-0123456789";
    static final String READ_FROM_FILE = "file-read-token-0123456789";
    static final String WRITE_FILE_TEXT = "# rotated monthly\n" + WRITE_A + "\n\n  " + WRITE_B + "  \n";

    public static final class TokenFilesAndOpenReads implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Files.createDirectories(FILES);
                Files.writeString(FILES.resolve("write-tokens"), WRITE_FILE_TEXT);
                Files.writeString(FILES.resolve("read-tokens"), READ_FROM_FILE + "\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("registry.auth.write-tokens", "",
                    "registry.auth.token-file", FILES.resolve("write-tokens").toString(),
                    "registry.auth.read-token-file", FILES.resolve("read-tokens").toString(),
                    "registry.auth.read-open", "true",
                    "registry.events.enabled", "false");
        }
    }

    @Test
    void everyTokenInTheFilesIsAccepted() throws Exception {
        given().auth().oauth2(WRITE_A).contentType("application/json").body("{\"description\": \"a\", \"tags\": {}}")
                .put("/api/models/from-files").then().statusCode(200);
        given().auth().oauth2(WRITE_B).contentType("application/json").body("{\"description\": \"b\", \"tags\": {}}")
                .put("/api/models/from-files").then().statusCode(200);
        given().auth().oauth2(READ_FROM_FILE).contentType("application/json").body("{\"description\": \"c\", \"tags\": {}}")
                .put("/api/models/from-files").then().statusCode(403);
        given().auth().oauth2(READ_FROM_FILE).get("/api/models/from-files").then().statusCode(200)
                .body("description", equalTo("b"));
        // the %test profile's write token is not one of them
        given().auth().oauth2("test-write-token-0123456789").contentType("application/json").body("{}")
                .put("/api/models/from-files").then().statusCode(401);
        assertThat(FILES.resolve("write-tokens")).as("a token file is read, never rewritten").hasContent(WRITE_FILE_TEXT);
    }

    @Test
    void openReadsNeedNoTokenButWritesStillDo() {
        given().get("/api/info").then().statusCode(200).body("readOpen", equalTo(true));
        given().get("/api/models").then().statusCode(200);
        given().contentType("application/json").body("{}").put("/api/models/anonymous").then().statusCode(401);
        given().auth().oauth2("wrong-token-0123456789").get("/api/models").then().statusCode(401)
                .body("error", equalTo("the bearer token is not valid for this registry"));
    }
}
