package dev.streamcast.forecaster.page;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where an entity lives among the forecaster's instances, through Kafka Streams' interactive
 * queries: each instance advertises its HTTP address as {@code application.server}
 * ({@code quarkus.kafka-streams.application-server}), {@link #owner} finds the instance whose active
 * task holds an entity's state, and {@link #get} asks another instance for its local answer. The
 * calls are bounded by short timeouts, so an instance that is gone costs a failed request, not a
 * hung one.
 */
final class Instances {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final KafkaStreams streams;
    private final HostInfo self;

    Instances(KafkaStreams streams, HostInfo self) {
        this.streams = streams;
        this.self = self;
    }

    HostInfo self() {
        return self;
    }

    /** The instance whose active task holds {@code entity} in {@code store}; empty while the group is rebalancing. */
    Optional<HostInfo> owner(String store, String entity) {
        KeyQueryMetadata m = streams.queryMetadataForKey(store, entity, Serdes.String().serializer());
        if (m == null || m == KeyQueryMetadata.NOT_AVAILABLE || m.activeHost() == null || m.activeHost().port() < 0) {
            return Optional.empty();
        }
        return Optional.of(m.activeHost());
    }

    boolean isSelf(HostInfo host) {
        return host.host().equals(self.host()) && host.port() == self.port();
    }

    /** Every other instance that runs a task of {@code store}. */
    List<HostInfo> others(String store) {
        return streams.streamsMetadataForStore(store).stream().map(StreamsMetadata::hostInfo).filter(h -> !isSelf(h)).distinct()
                .toList();
    }

    /** GET {@code path} (with its query) on {@code host}: its status and body. */
    HttpResponse<String> get(HostInfo host, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port() + path)).timeout(TIMEOUT)
                .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** {@code host:port} as Kafka Streams' {@code application.server} takes it. */
    static HostInfo parse(String applicationServer) {
        int colon = applicationServer.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("quarkus.kafka-streams.application-server must be host:port, got '" + applicationServer + "'");
        }
        return new HostInfo(applicationServer.substring(0, colon), Integer.parseInt(applicationServer.substring(colon + 1)));
    }
}
