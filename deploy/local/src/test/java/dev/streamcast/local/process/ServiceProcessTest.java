package dev.streamcast.local.process;

import dev.streamcast.local.broker.Ports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The registry as the launcher and the quickstart start it (its built application, production
 * mode): tokens from the environment, where {@code ps} does not show them, and loopback only.
 */
class ServiceProcessTest {

    static final String WRITE = "env-write-token-0123456789";
    static final String READ = "env-read-token-0123456789";
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    @Test
    void theRegistryTakesItsTokensFromTheEnvironmentAndListensOnLoopbackOnly() throws Exception {
        assumeThat(Service.REGISTRY.built()).as("the registry is built (%s; mvn verify builds it before these tests)",
                Service.REGISTRY.application()).isTrue();
        int port = Ports.pickFree("127.0.0.1");
        try (ServiceProcess registry = ServiceProcess.start(Service.REGISTRY, port, List.of(),
                List.of("registry.data-dir=" + tmp.resolve("registry"), "registry.events.enabled=false"),
                Map.of("REGISTRY_AUTH_WRITE_TOKENS", WRITE, "REGISTRY_AUTH_READ_TOKENS", READ),
                tmp.resolve("registry.log"))) {
            await("the registry ready within 90 s").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
                assertThat(registry.isAlive()).as("the registry is running; its log:%n%s", log(registry)).isTrue();
                return registry.isReady();
            });

            assertThat(status(registry, "GET", "/api/models", null)).isEqualTo(401);
            assertThat(status(registry, "GET", "/api/models", READ)).isEqualTo(200);
            assertThat(status(registry, "PUT", "/api/models/from-env", READ)).isEqualTo(403);
            assertThat(status(registry, "PUT", "/api/models/from-env", WRITE)).isEqualTo(200);
            assertThat(tmp.resolve("registry").resolve("write-token")).as("no token generated").doesNotExist();
            String commandLine = ProcessHandle.of(registry.pid()).orElseThrow().info().commandLine().orElseThrow();
            assertThat(commandLine).as("what ps shows").contains("quarkus-run.jar").doesNotContain(WRITE).doesNotContain(READ);

            Optional<InetAddress> external = externalAddress();
            assumeThat(external).as("this machine has an address that is not loopback").isPresent();
            assertThatThrownBy(() -> {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(external.get(), port), 2000);
                }
            }).as("connecting on %s:%d", external.get(), port).isInstanceOf(ConnectException.class);
        }
    }

    private static int status(ServiceProcess registry, String method, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(registry.url(path))).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString("{\"description\": \"from the environment\", \"tags\": {}}"));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String log(ServiceProcess process) throws Exception {
        return Files.exists(process.log()) ? Files.readString(process.log()) : "(none)";
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
