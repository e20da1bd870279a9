package dev.streamcast.registry.security;

import dev.streamcast.registry.RegistryConfig;
import dev.streamcast.registry.testing.BundleEdits;
import dev.streamcast.trainer.testing.TestBundles;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * A registry with no write token configured and nothing opened: it listens on loopback only, makes
 * its write token and keeps it in {@code <data-dir>/write-token} (owner-only), and refuses reads
 * without a token, while health, metrics and the page stay open. Events are off here: no broker.
 */
@QuarkusTest
@TestProfile(SecureDefaultsTest.NoWriteToken.class)
class SecureDefaultsTest {

    public static final class NoWriteToken implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("registry.auth.write-tokens", "", "registry.events.enabled", "false");
        }
    }

    static final String READ = "test-read-token-0123456789";

    @Inject
    RegistryConfig config;

    @ConfigProperty(name = "quarkus.http.host")
    String host;

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

    @TempDir
    Path tmp;

    @Test
    void aGeneratedWriteTokenLivesInTheDataDirAndReadsNeedAToken() throws Exception {
        assertThat(config.auth().readOpen()).isFalse();
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
        given().get("/api/models/closed/versions/1/bundle").then().statusCode(401);
        given().auth().oauth2(READ).get("/api/models/closed/versions/1").then().statusCode(200);
        given().auth().oauth2(token).get("/api/models").then().statusCode(200).body("name", equalTo(List.of("closed")));
        given().auth().oauth2(READ).get("/api/info").then().statusCode(200).body("readOpen", equalTo(false));
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/").then().statusCode(200);
    }

    @Test
    void everyRegistryCounterIsScrapedFromTheStartEvenBeforeItFirstCounts() {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();

        for (String outcome : List.of("created", "replayed", "invalid", "too_large", "refused", "error")) {
            assertThat(metrics).containsPattern("(?m)^registry_uploads_total\\{[^}]*outcome=\"" + outcome + "\"[^}]*\\} [0-9]");
        }
        assertThat(metrics).containsPattern("(?m)^registry_auth_refusals_total\\{[^}]*status=\"401\"[^}]*\\} [0-9]")
                .containsPattern("(?m)^registry_auth_refusals_total\\{[^}]*status=\"403\"[^}]*\\} 0\\.0$")
                .containsPattern("(?m)^registry_alias_moves_total(\\{\\})? 0\\.0$")
                .containsPattern("(?m)^registry_upload_bytes_count(\\{\\})? [0-9]")
                .containsPattern("(?m)^registry_events_published_total(\\{\\})? 0\\.0$")
                .containsPattern("(?m)^registry_events_failures_total(\\{\\})? 0\\.0$")
                .containsPattern("(?m)^registry_events_pending(\\{\\})? 0\\.0$");
    }

    @Test
    void listensOnLoopbackOnly() throws Exception {
        // Quarkus' own default outside dev and test mode is 0.0.0.0: every interface
        assertThat(host).isEqualTo("127.0.0.1");
        try (Socket loopback = new Socket(InetAddress.getLoopbackAddress(), port)) {
            assertThat(loopback.isConnected()).isTrue();
        }
        Optional<InetAddress> external = externalAddress();
        assumeThat(external).as("this machine has an address that is not loopback").isPresent();
        assertThatThrownBy(() -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(external.get(), port), 2000);
            }
        }).as("connecting on %s:%d", external.get(), port).isInstanceOf(ConnectException.class);
    }

    private static Optional<InetAddress> externalAddress() throws SocketException {
        return NetworkInterface.networkInterfaces().filter(i -> {
            try {
                return i.isUp() && !i.isLoopback();
            } catch (SocketException e) {
                return false;
            }
        }).flatMap(NetworkInterface::inetAddresses).filter(a -> a instanceof Inet4Address).findFirst();
    }
}
