package dev.streamcast.forecaster.page;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamcast.contracts.records.Codecs;
import dev.streamcast.forecaster.ForecasterApplication;
import dev.streamcast.forecaster.ForecasterSettings;
import dev.streamcast.forecaster.metrics.ForecasterMetrics;
import dev.streamcast.forecaster.model.ModelSlot;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestStreamElementType;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The live page's API ({@code forecaster/README.md}, "Live page"). Any instance answers for any
 * entity: the one that holds it in its active task answers from its own stores, any other asks it
 * ({@code ?local=true} marks such a request, so it is never passed on again). Nothing here runs on a
 * stream thread, and nothing is kept per entity or per browser: each request, and each second of an
 * event stream, reads the stores afresh.
 */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class ForecastApi {

    private static final Logger LOG = Logger.getLogger(ForecastApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_LIMIT = 200;
    /** How often an open page gets its entity anew. */
    static final Duration PUSH_INTERVAL = Duration.ofSeconds(1);

    private final EntityViews views;
    private final Instances instances;
    private final List<ModelSlot> slots;
    private final MeterRegistry meters;
    private final ForecasterMetrics metrics;

    @Inject
    public ForecastApi(KafkaStreams streams, ForecasterApplication.Slots slots, ForecasterSettings settings, MeterRegistry meters,
                       ForecasterMetrics metrics, StreamsConfig streamsConfig) {
        this.slots = slots.all();
        this.meters = meters;
        this.metrics = metrics;
        this.views = new EntityViews(streams, slots.all(), settings.evaluationHorizons(), Codecs.forecasts(settings.forecastsEncoding()),
                metrics);
        // the address Kafka Streams itself advertises (quarkus.kafka-streams.application-server), as it resolved it
        this.instances = new Instances(streams, Instances.parse(streamsConfig.getString(StreamsConfig.APPLICATION_SERVER_CONFIG)));
    }

    /** Entities in state whose id contains {@code q}, across every instance, in id order. */
    @GET
    @Path("/entities")
    public Response entities(@QueryParam("q") @DefaultValue("") String q, @QueryParam("limit") @DefaultValue("50") int limit,
                             @QueryParam("local") @DefaultValue("false") boolean local) {
        if (limit < 1 || limit > MAX_LIMIT) {
            return error(400, "limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
        }
        try {
            EntityViews.Page page = views.search(q, limit);
            TreeSet<String> ids = new TreeSet<>(page.entities());
            int total = page.total();
            List<String> unreachable = new ArrayList<>();
            if (!local) {
                for (HostInfo other : instances.others(views.entityStore())) {
                    try {
                        HttpResponse<String> r = instances.get(other, "/api/entities?local=true&limit=" + limit + "&q=" + Instances.encode(q));
                        JsonNode body = JSON.readTree(r.body());
                        body.path("entities").forEach(e -> ids.add(e.asText()));
                        total += body.path("total").asInt();
                    } catch (Exception e) {
                        unreachable.add(other.host() + ":" + other.port());
                    }
                }
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("entities", ids.stream().limit(limit).toList());
            body.put("total", total);
            body.put("unreachable", unreachable);
            return Response.ok(body).build();
        } catch (InvalidStateStoreException | IllegalStateException e) {
            return notQueryable(e);
        }
    }

    /** One entity: actuals, the latest forecast of each slot with its band, earlier forecasts, live error. */
    @GET
    @Path("/entities/{id}")
    public Response entity(@PathParam("id") String id, @QueryParam("local") @DefaultValue("false") boolean local) {
        try {
            Object view = viewFromOwner(id, local);
            return view instanceof Response r ? r : Response.ok(view).build();
        } catch (InvalidStateStoreException | IllegalStateException e) {
            return notQueryable(e);
        }
    }

    /** The entity's view once now and then every second, as Server-Sent Events, until the browser goes. */
    @GET
    @Path("/entities/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<String> events(@PathParam("id") String id) {
        return Multi.createFrom().ticks().startingAfter(Duration.ofMillis(1)).every(PUSH_INTERVAL)
                // a slow browser misses seconds instead of queueing them: memory stays one view per connection
                .onOverflow().drop()
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(tick -> {
                    try {
                        Object view = viewFromOwner(id, false);
                        return view instanceof Response r ? JSON.writeValueAsString(Map.of("error", r.getEntity(), "status",
                                r.getStatus())) : JSON.writeValueAsString(view);
                    } catch (InvalidStateStoreException | IllegalStateException e) {
                        return "{\"error\":{\"error\":\"the forecaster's stores are not queryable now (starting, rebalancing"
                                + " or stopped)\"},\"status\":503}";
                    } catch (JsonProcessingException e) {
                        throw new IllegalStateException(e);
                    }
                });
    }

    /** The fleet: entities in state, forecasts written, refusals by reason, the worst live errors, the models; across instances. */
    @GET
    @Path("/overview")
    public Response overview(@QueryParam("local") @DefaultValue("false") boolean local) {
        Map<String, Object> mine = localOverview();
        if (local) {
            return Response.ok(mine).build();
        }
        List<Map<String, Object>> all = new ArrayList<>(List.of(mine));
        List<String> unreachable = new ArrayList<>();
        for (HostInfo other : instances.others(views.entityStore())) {
            try {
                all.add(JSON.readValue(instances.get(other, "/api/overview?local=true").body(), Map.class));
            } catch (Exception e) {
                unreachable.add(other.host() + ":" + other.port());
            }
        }
        return Response.ok(Overview.combine(all, unreachable)).build();
    }

    private Object viewFromOwner(String id, boolean local) {
        String here = instances.self().host() + ":" + instances.self().port();
        if (!local) {
            Optional<HostInfo> owner = instances.owner(views.entityStore(), id);
            if (owner.isPresent() && !instances.isSelf(owner.get())) {
                try {
                    HttpResponse<String> r = instances.get(owner.get(), "/api/entities/" + Instances.encode(id) + "?local=true");
                    return r.statusCode() == 200 ? JSON.readValue(r.body(), Map.class)
                            : Response.status(r.statusCode()).entity(JSON.readValue(r.body(), Map.class)).build();
                } catch (Exception e) {
                    LOG.debugf("asking %s for %s: %s", owner.get(), id, e);
                    return error(502, "entity '" + id + "' is held by " + owner.get().host() + ":" + owner.get().port()
                            + ", which did not answer: " + e.getMessage());
                }
            }
        }
        Map<String, Object> view = views.view(id, here);
        return view != null ? view : error(404, "no entity '" + id + "' in the forecaster's state (it has sent no feature"
                + " vector, or its state expired after forecaster.state.ttl)");
    }

    private Map<String, Object> localOverview() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("instance", instances.self().host() + ":" + instances.self().port());
        List<Map<String, Object>> models = new ArrayList<>();
        for (ModelSlot slot : slots) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("slot", slot.role());
            m.put("alias", slot.alias());
            m.put("model", slot.current() == null ? null : slot.current().ref());
            m.put("servingSince", slot.servingSince());
            m.put("entities", gauge("forecaster_entities", slot.role()));
            m.put("forecasts", counter("forecaster_forecasts_out", slot.role()));
            m.put("problem", slot.problem());
            models.add(m);
        }
        o.put("slots", models);
        Map<String, Double> refused = new TreeMap<>();
        for (Counter c : meters.find("forecaster_refused").counters()) {
            refused.put(c.getId().getTag("reason"), c.count());
        }
        o.put("refused", refused);
        List<Map<String, Object>> errors = new ArrayList<>();
        for (ForecasterMetrics.LiveError e : metrics.liveErrors()) {
            if (e.count() > 0) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("slot", e.slot());
                row.put("model", e.model());
                row.put("h", e.horizon());
                row.put("target", e.target());
                row.put("mae", e.mae());
                row.put("count", e.count());
                errors.add(row);
            }
        }
        errors.sort(Comparator.comparingDouble((Map<String, Object> r) -> (Double) r.get("mae")).reversed());
        o.put("worstErrors", errors); // all of them (models x horizons x targets: a few), worst first; the fleet's view keeps five
        o.put("time", System.currentTimeMillis());
        return o;
    }

    private double gauge(String name, String slot) {
        Gauge g = meters.find(name).tag("slot", slot).gauge();
        return g == null ? 0 : g.value();
    }

    private double counter(String name, String slot) {
        Counter c = meters.find(name).tag("slot", slot).counter();
        return c == null ? 0 : c.count();
    }

    /** The stores cannot be read: the stream is starting or rebalancing (InvalidStateStoreException) or not running. */
    private static Response notQueryable(RuntimeException e) {
        return error(503, "the forecaster's stores are not queryable now (starting, rebalancing or stopped): " + e.getMessage());
    }

    static Response error(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", message)).build();
    }
}
