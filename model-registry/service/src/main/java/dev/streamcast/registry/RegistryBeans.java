package dev.streamcast.registry;

import ai.onnxruntime.OrtEnvironment;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamcast.contracts.json.Json;
import dev.streamcast.contracts.kafka.KafkaClientEnvironment;
import dev.streamcast.registry.artifacts.ArtifactStore;
import dev.streamcast.registry.artifacts.BlobLocks;
import dev.streamcast.registry.artifacts.FileArtifactStore;
import dev.streamcast.registry.events.EventPublisher;
import dev.streamcast.registry.rest.ModelResource;
import dev.streamcast.registry.security.BearerTokenFilter;
import dev.streamcast.registry.security.Tokens;
import dev.streamcast.registry.store.RegistryStore;
import dev.streamcast.registry.store.TrainingRunStore;
import dev.streamcast.registry.upload.Uploads;
import dev.streamcast.contracts.bundle.GraphCheck;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.InjectableInstance;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Wires the registry from its settings: the one active datasource, the artifact store, the
 * upload pipeline, the events publisher and the tokens. The parts themselves are plain classes.
 */
@Singleton
public class RegistryBeans {

    private static final Logger LOG = Logger.getLogger(RegistryBeans.class);

    /** The one JSON setup of streamcast, for the REST layer too. */
    @Produces
    @Singleton
    ObjectMapper objectMapper() {
        return Json.MAPPER;
    }

    @Produces
    @Singleton
    RegistryStore store(@Any InjectableInstance<AgroalDataSource> dataSources, RegistryConfig config) {
        return new RegistryStore(activeDataSource(dataSources), config.events().enabled(), System::currentTimeMillis);
    }

    @Produces
    @Singleton
    TrainingRunStore trainingRuns(@Any InjectableInstance<AgroalDataSource> dataSources) {
        return new TrainingRunStore(activeDataSource(dataSources), System::currentTimeMillis);
    }

    private static AgroalDataSource activeDataSource(InjectableInstance<AgroalDataSource> dataSources) {
        List<AgroalDataSource> active = dataSources.listActive();
        if (active.size() != 1) {
            throw new IllegalStateException(active.size() + " datasources are active; exactly one of"
                    + " quarkus.datasource.h2.active and quarkus.datasource.postgresql.active must be true");
        }
        return active.get(0);
    }

    /** Also the {@link ArtifactStore} every other part uses. */
    @Produces
    @Singleton
    FileArtifactStore fileArtifacts(RegistryConfig config) throws IOException {
        return new FileArtifactStore(config.dataDir().resolve("artifacts"));
    }

    @Produces
    @Singleton
    Uploads uploads(RegistryStore store, ArtifactStore artifacts, RegistryConfig config) throws IOException {
        return new Uploads(store, artifacts, new BlobLocks(256), new GraphCheck(OrtEnvironment.getEnvironment()),
                config.dataDir().resolve("staging"), config.upload().maxSize().asLongValue(), config.upload().maxFiles());
    }

    @Produces
    @Singleton
    @Startup
    EventPublisher events(RegistryStore store, RegistryConfig config, MeterRegistry metrics,
                          @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap) {
        EventPublisher publisher = new EventPublisher(store, kafkaClient(System.getenv(), bootstrap), config.events().topic(),
                config.events().pollInterval());
        if (config.events().enabled()) {
            publisher.start();
        }
        metrics.more().counter("registry_events_published_total", List.of(), publisher, EventPublisher::published);
        metrics.more().counter("registry_events_failures_total", List.of(), publisher, EventPublisher::failures);
        metrics.gauge("registry_events_pending", List.of(), store, RegistryStore::pendingEventCount);
        return publisher;
    }

    void closeEvents(@Disposes EventPublisher publisher) {
        publisher.close();
    }

    /**
     * The model-events producer's connection: every producer setting among the {@code KAFKA_*}
     * variables of {@code environment} ({@code KAFKA_SECURITY_PROTOCOL}, {@code KAFKA_SASL_JAAS_CONFIG},
     * ...: contracts' {@link KafkaClientEnvironment}, as the trainer reads them), and the broker from
     * {@code kafka.bootstrap.servers} (which Quarkus also reads from {@code KAFKA_BOOTSTRAP_SERVERS}).
     * With none set: plaintext to the bootstrap servers.
     */
    static Map<String, Object> kafkaClient(Map<String, String> environment, String bootstrap) {
        Map<String, Object> client = new HashMap<>(KafkaClientEnvironment.producer(environment));
        client.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        return client;
    }

    /**
     * Every registry counter with a series per outcome or status starts at zero, so a Prometheus
     * {@code increase()} sees its first count too (the events' counters read the publisher and exist
     * with it).
     */
    void countersAtZero(@Observes StartupEvent event, MeterRegistry metrics) {
        for (String outcome : ModelResource.UPLOAD_OUTCOMES) {
            metrics.counter(ModelResource.UPLOADS, "outcome", outcome);
        }
        metrics.counter(ModelResource.ALIAS_MOVES);
        metrics.summary(ModelResource.UPLOAD_BYTES);
        for (int status : BearerTokenFilter.REFUSALS) {
            metrics.counter(BearerTokenFilter.AUTH_REFUSALS, "status", String.valueOf(status));
        }
    }

    @Produces
    @Singleton
    @Startup
    Tokens tokens(RegistryConfig config, @ConfigProperty(name = "quarkus.http.host") String host) throws IOException {
        Tokens tokens = tokensFrom(config);
        if (tokens.readOpen()) {
            LOG.warnf("reads are open (registry.auth.read-open=true): anyone who reaches %s may list and download"
                    + " every model", host);
        } else {
            LOG.infof("reads need a read or write token (set registry.auth.read-open=true to open them); listening on %s",
                    host);
        }
        return tokens;
    }

    /**
     * The tokens the settings name: {@code write-tokens} plus those in {@code token-file}, which
     * defaults to {@code <data-dir>/write-token} (generated there) when no write token is set;
     * {@code read-tokens} plus those in {@code read-token-file}.
     */
    static Tokens tokensFrom(RegistryConfig config) throws IOException {
        RegistryConfig.Auth auth = config.auth();
        List<String> read = new ArrayList<>(auth.readTokens().orElse(List.of()));
        if (auth.readTokenFile().isPresent()) {
            read.addAll(Tokens.inFile("registry.auth.read-token-file", auth.readTokenFile().get()));
        }
        List<String> write = new ArrayList<>(auth.writeTokens().orElse(List.of()));
        Optional<Path> writeFile = auth.tokenFile().or(() -> write.isEmpty()
                ? Optional.of(config.dataDir().resolve("write-token")) : Optional.empty());
        if (writeFile.isPresent()) {
            write.addAll(Tokens.inFileOrGenerated("registry.auth.token-file", writeFile.get()));
            LOG.infof("write tokens: in %s%s", writeFile.get().toAbsolutePath(),
                    auth.writeTokens().isPresent() ? " and registry.auth.write-tokens" : "");
        }
        return new Tokens(write, read, auth.readOpen());
    }
}
