package dev.streamcast.registry.client;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The client's retry rules against a local HTTP server that answers what the test scripts: the
 * transient failures a registry behind a proxy really gives (503, 429, refused connections, slow
 * answers) are retried with backoff; a 4xx never is. The happy paths run against the real
 * registry in {@code RegistryRules}.
 */
class RegistryClientRetryTest {

    private HttpServer server;
    private final java.util.concurrent.ExecutorService handlers = java.util.concurrent.Executors.newCachedThreadPool();
    private final List<String> seen = Collections.synchronizedList(new ArrayList<>());
    /** A scripted slow answer stalls until the test is over: far beyond the client's timeout. */
    private final java.util.concurrent.CountDownLatch testOver = new java.util.concurrent.CountDownLatch(1);

    @AfterEach
    void stop() {
        testOver.countDown();
        if (server != null) {
            server.stop(0);
        }
        handlers.shutdownNow();
    }

    private String serve(int... statuses) throws IOException {
        AtomicInteger call = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            int n = call.getAndIncrement();
            seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
            int status = statuses[Math.min(n, statuses.length - 1)];
            if (status == 0) {
                stallUntilTestOver();
                status = 200;
            }
            String body = status == 200 ? "[]" : "{\"status\": " + status + ", \"error\": \"scripted " + status + "\"}";
            if (status == 503 || status == 429) {
                exchange.getResponseHeaders().add("Retry-After", "0");
            }
            respond(exchange, status, body);
        });
        server.setExecutor(handlers); // one thread per request: a slow answer must not hold up the retry
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static RegistryClient client(String url, int attempts) {
        return RegistryClient.builder(url).maxAttempts(attempts).backoff(Duration.ofMillis(10))
                .requestTimeout(Duration.ofMillis(500)).build();
    }

    @Test
    void a503AndA429AreRetriedUntilTheRegistryAnswers() throws Exception {
        String url = serve(503, 429, 200);
        assertThat(client(url, 4).listModels()).isEmpty();
        assertThat(seen).containsExactly("GET /api/models", "GET /api/models", "GET /api/models");
    }

    @Test
    void a4xxIsNeverRetriedAndNamesTheRegistrysMessage() throws Exception {
        String url = serve(404);
        assertThatThrownBy(() -> client(url, 4).model("etth1"))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.attempts()).isEqualTo(1);
                    assertThat(e.serverMessage()).isEqualTo("scripted 404");
                    assertThat(e.getMessage()).isEqualTo("GET " + url + "/api/models/etth1 failed with HTTP 404: scripted 404");
                });
        assertThat(seen).hasSize(1);
    }

    @Test
    void persistentServerErrorsStopAfterTheLastAttempt() throws Exception {
        String url = serve(500);
        assertThatThrownBy(() -> client(url, 3).listModels())
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.status()).isEqualTo(500);
                    assertThat(e.attempts()).isEqualTo(3);
                    assertThat(e.getMessage()).contains("failed with HTTP 500 after 3 attempts: scripted 500");
                });
        assertThat(seen).hasSize(3);
    }

    @Test
    void aRefusedConnectionIsRetriedThenReportedWithStatusZero() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        assertThatThrownBy(() -> client("http://127.0.0.1:" + port, 3).listModels())
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.status()).isZero();
                    assertThat(e.attempts()).isEqualTo(3);
                    assertThat(e.serverMessage()).startsWith("ConnectException");
                });
    }

    @Test
    void aSlowAnswerTimesOutAndTheRetrySucceeds() throws Exception {
        String url = serve(0, 200);
        assertThat(client(url, 2).listModels()).isEmpty();
        assertThat(seen).hasSize(2);
    }

    @Test
    void unsafeNamesAreRefusedBeforeAnyRequest() throws Exception {
        String url = serve(200);
        assertThatThrownBy(() -> client(url, 1).resolve("../etc@champion"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("model name '../etc' is not a safe name [A-Za-z0-9][A-Za-z0-9._-]{0,63}");
        assertThatThrownBy(() -> client(url, 1).resolve("etth1"))
                .hasMessage("model reference 'etth1' is not name@alias or name@version, e.g. etth1@champion");
        assertThat(seen).isEmpty();
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private void stallUntilTestOver() {
        try {
            testOver.await(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
