package dev.streamcast.registry.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.streamcast.contracts.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What {@link RegistryClient#putRun} sends and what {@link RegistryClient#runs} reads, against a local
 * HTTP server that records the request and answers as the registry does: times as ISO-8601, nulls for
 * what is not known yet. The calls against the real registry run in the service's {@code RegistryRules}.
 */
class TrainingRunClientTest {

    private static final String STORED = "{\"model\": \"etth1\", \"id\": 7, \"trigger\": \"drift\", \"state\": \"succeeded\","
            + " \"reason\": \"val_mse 0.31 over 2 x 0.12\", \"progress\": \"published gru as version 10\","
            + " \"outcome\": \"gru won\", \"startedAt\": \"2026-12-05T10:00:00Z\", \"endedAt\": \"2026-12-05T10:42:05.250Z\","
            + " \"winner\": \"gru\", \"version\": 10, \"alias\": \"challenger\", \"updatedAt\": \"2026-12-05T10:42:06Z\"}";
    private static final String RUNNING = "{\"model\": \"etth1\", \"id\": 8, \"trigger\": \"schedule\", \"state\": \"running\","
            + " \"reason\": \"\", \"progress\": \"lstm: epoch 2 of 20\", \"outcome\": \"\", \"startedAt\": \"2026-12-05T11:00:00Z\","
            + " \"endedAt\": null, \"winner\": null, \"version\": null, \"alias\": null, \"updatedAt\": \"2026-12-05T11:03:00Z\"}";

    private HttpServer server;
    private final List<String> seen = Collections.synchronizedList(new ArrayList<>());
    private final List<String> bodies = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    /** Answers each request with the next of {@code statuses} (the last repeats) and {@code body} on a 200. */
    private RegistryClient serve(String body, int... statuses) throws IOException {
        AtomicInteger call = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                    + exchange.getRequestHeaders().getFirst("Authorization"));
            bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            int status = statuses[Math.min(call.getAndIncrement(), statuses.length - 1)];
            byte[] bytes = (status == 200 ? body : "{\"status\": " + status + ", \"error\": \"scripted " + status + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            if (status == 503) {
                exchange.getResponseHeaders().add("Retry-After", "0");
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return RegistryClient.builder("http://127.0.0.1:" + server.getAddress().getPort()).token("a-write-token-0123456789")
                .maxAttempts(3).backoff(Duration.ofMillis(10)).build();
    }

    @Test
    void putRunSendsTheReportWithIsoTimesAndReadsTheStoredRun() throws Exception {
        RegistryClient client = serve(STORED, 200);
        Instant start = Instant.parse("2026-12-05T10:00:00Z");
        TrainingRun stored = client.putRun("etth1", 7, TrainingRun.report("drift", "succeeded", "val_mse 0.31 over 2 x 0.12",
                "published gru as version 10", "gru won", start, Instant.parse("2026-12-05T10:42:05.250Z"), "gru", 10L,
                "challenger"));

        assertThat(seen).containsExactly("PUT /api/models/etth1/runs/7 Bearer a-write-token-0123456789");
        JsonNode sent = Json.MAPPER.readTree(bodies.get(0));
        assertThat(sent).isEqualTo(Json.MAPPER.readTree("{\"trigger\":\"drift\",\"state\":\"succeeded\",\"reason\":\"val_mse 0.31"
                + " over 2 x 0.12\",\"progress\":\"published gru as version 10\",\"outcome\":\"gru won\",\"startedAt\":"
                + "\"2026-12-05T10:00:00Z\",\"endedAt\":\"2026-12-05T10:42:05.250Z\",\"winner\":\"gru\",\"version\":10,"
                + "\"alias\":\"challenger\"}"));
        assertThat(stored).isEqualTo(new TrainingRun("etth1", 7, "drift", "succeeded", "val_mse 0.31 over 2 x 0.12",
                "published gru as version 10", "gru won", start, Instant.parse("2026-12-05T10:42:05.250Z"), "gru", 10L,
                "challenger", Instant.parse("2026-12-05T10:42:06Z")));
        assertThat(stored.running()).isFalse();
    }

    @Test
    void aRunningRunIsSentWithNullsForWhatIsNotKnownYet() throws Exception {
        RegistryClient client = serve(RUNNING, 200);
        TrainingRun stored = client.putRun("etth1", 8, TrainingRun.report("schedule", "running", null,
                "lstm: epoch 2 of 20", null, Instant.parse("2026-12-05T11:00:00Z"), null, null, null, null));
        JsonNode sent = Json.MAPPER.readTree(bodies.get(0));
        assertThat(sent.get("endedAt").isNull()).isTrue();
        assertThat(sent.get("version").isNull()).isTrue();
        assertThat(stored.running()).isTrue();
        assertThat(stored.endedAt()).isNull();
        assertThat(stored.version()).isNull();
        assertThat(stored.winner()).isNull();
    }

    @Test
    void runsReadsTheListNewestFirstAsTheRegistryAnswers() throws Exception {
        RegistryClient client = serve("[" + RUNNING + ", " + STORED + "]", 200);
        List<TrainingRun> runs = client.runs("etth1", 2);
        assertThat(seen).containsExactly("GET /api/models/etth1/runs?limit=2 Bearer a-write-token-0123456789");
        assertThat(runs).extracting(TrainingRun::id).containsExactly(8L, 7L);
        assertThat(runs.get(0).progress()).isEqualTo("lstm: epoch 2 of 20");
        assertThat(runs.get(1).endedAt()).isEqualTo(Instant.parse("2026-12-05T10:42:05.250Z"));
    }

    @Test
    void aReportIsRetriedOn503AndA400IsNotAndNamesTheRegistrysMessage() throws Exception {
        RegistryClient client = serve(STORED, 503, 200);
        TrainingRun report = TrainingRun.report("drift", "running", null, null, null, Instant.parse("2026-12-05T10:00:00Z"),
                null, null, null, null);
        assertThat(client.putRun("etth1", 7, report).id()).isEqualTo(7);
        assertThat(seen).hasSize(2);
        assertThat(bodies.get(1)).isEqualTo(bodies.get(0));
        stop();

        seen.clear();
        RegistryClient refusing = serve(STORED, 400);
        assertThatThrownBy(() -> refusing.putRun("etth1", 7, report)).isInstanceOfSatisfying(RegistryException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.attempts()).isEqualTo(1);
            assertThat(e.serverMessage()).isEqualTo("scripted 400");
            assertThat(e.method()).isEqualTo("PUT");
        });
        assertThat(seen).hasSize(1);
    }

    @Test
    void unsafeNamesAndRunIdsBelowOneAreRefusedBeforeAnyRequest() throws Exception {
        RegistryClient client = serve(STORED, 200);
        TrainingRun report = TrainingRun.report("drift", "running", null, null, null, Instant.parse("2026-12-05T10:00:00Z"),
                null, null, null, null);
        assertThatThrownBy(() -> client.putRun("../etc", 1, report)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("model name '../etc' is not a safe name [A-Za-z0-9][A-Za-z0-9._-]{0,63}");
        assertThatThrownBy(() -> client.putRun("etth1", 0, report)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("run ids start at 1, got 0");
        assertThatThrownBy(() -> client.runs("a..b", 5)).isInstanceOf(IllegalArgumentException.class);
        assertThat(seen).isEmpty();
    }
}
