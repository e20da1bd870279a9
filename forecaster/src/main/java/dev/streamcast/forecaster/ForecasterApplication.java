package dev.streamcast.forecaster;

import dev.streamcast.contracts.topics.Topics;
import dev.streamcast.forecaster.evaluation.OnlineEvaluation;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.model.BundleSource;
import dev.streamcast.forecaster.model.DirectoryBundleSource;
import dev.streamcast.forecaster.model.ModelLoader;
import dev.streamcast.forecaster.model.ModelSlot;
import dev.streamcast.forecaster.model.ModelWatcher;
import dev.streamcast.forecaster.model.RegistryBundleSource;
import dev.streamcast.forecaster.serving.ForecastTopology;
import dev.streamcast.registry.client.RegistryClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import jakarta.interceptor.Interceptor;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Wires the forecaster: settings, the served (and shadow) model slots, their watcher and the topology. */
@ApplicationScoped
public class ForecasterApplication {

    /** The slots in order: the served alias first, then the shadow alias when enabled. */
    public record Slots(List<ModelSlot> all) {
        public ModelSlot served() {
            return all.get(0);
        }
    }

    private volatile ModelWatcher watcher;

    @Produces
    @Singleton
    ForecasterSettings settings(ForecasterConfig config,
                                @ConfigProperty(name = "streamcast.encoding.features", defaultValue = "json") String features,
                                @ConfigProperty(name = "streamcast.encoding.forecasts", defaultValue = "json") String forecasts) {
        return ForecasterSettings.from(config, features, forecasts);
    }

    @Produces
    @Singleton
    ForecasterMetrics metrics(MeterRegistry registry) {
        return new ForecasterMetrics(registry);
    }

    @Produces
    @Singleton
    Slots slots(ForecasterSettings settings, ForecasterMetrics metrics) {
        BundleSource source = source(settings);
        ModelLoader loader = new ModelLoader(settings.provider(), settings.cudaDevice(), settings.intraOpThreads());
        List<ModelSlot> slots = new ArrayList<>();
        slots.add(new ModelSlot("served", settings.modelName(), settings.alias(), Topics.FORECASTS.name(), source, loader, metrics));
        if (settings.shadowEnabled()) {
            slots.add(new ModelSlot("shadow", settings.modelName(), settings.shadowAlias(), Topics.FORECASTS_SHADOW.name(), source,
                    loader, metrics));
        }
        slots.forEach(slot -> slot.onChosen(model -> OnlineEvaluation.meterChosen(slot.role(), settings.evaluationHorizons(), metrics,
                model)));
        return new Slots(List.copyOf(slots));
    }

    static BundleSource source(ForecasterSettings settings) {
        if (settings.registryUrl().isPresent()) {
            RegistryClient.Builder client = RegistryClient.builder(settings.registryUrl().get());
            settings.registryToken().ifPresent(client::token);
            return new RegistryBundleSource(client.build(), Path.of(settings.cacheDir()));
        }
        if (settings.modelDir().isPresent()) {
            return new DirectoryBundleSource(Path.of(settings.modelDir().get()));
        }
        throw new IllegalArgumentException("the forecaster needs a model source: set forecaster.registry.url (the model"
                + " registry, e.g. http://127.0.0.1:8082) or forecaster.model.dir (a folder of bundles)");
    }

    @Produces
    Topology topology(ForecasterSettings settings, Slots slots, ForecasterMetrics metrics) {
        return ForecastTopology.build(settings, slots.all(), metrics);
    }

    /**
     * Loads each slot's model before Quarkus starts the stream (this observer runs ahead of it), so
     * that the first inputs after a restart are stepped by the model, not taken into the history of
     * an entity as if there were none: with no model loaded an input brings no forecast, and an input
     * left waiting by a crash would lose its forecast for good. Where the alias does not exist yet
     * (a new deployment) or the registry does not answer, the stream starts without a model and the
     * watcher loads one as soon as it can.
     */
    void loadBeforeTheStream(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event, Slots slots) {
        slots.all().forEach(ModelSlot::loadFromAlias);
    }

    /** The watcher connects with the stream's own settings (Quarkus' StreamsConfig), security included. */
    void start(@Observes StartupEvent event, Slots slots, ForecasterSettings settings, StreamsConfig streams) {
        watcher = new ModelWatcher(ModelWatcher.connection(streams), slots.all(), settings.retryInterval());
        watcher.start();
    }

    /** Why model swaps may not follow model-events now, or null. */
    public String watcherProblem() {
        ModelWatcher w = watcher;
        return w == null ? null : w.problem();
    }

    void stop(@Observes ShutdownEvent event, Slots slots) {
        if (watcher != null) {
            watcher.close();
        }
        slots.all().forEach(ModelSlot::close);
    }
}
