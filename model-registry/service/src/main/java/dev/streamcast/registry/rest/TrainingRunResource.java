package dev.streamcast.registry.rest;

import dev.streamcast.contracts.json.Decoded;
import dev.streamcast.registry.model.Names;
import dev.streamcast.registry.model.Refusal;
import dev.streamcast.registry.model.TrainingRun;
import dev.streamcast.registry.store.TrainingRunStore;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.io.InputStream;

/**
 * The trainer service's training runs under {@code /api/models/{name}/runs} (README "API"): it reports
 * each run as it starts, progresses and ends, and the page shows them. A model's runs may exist before
 * its first version, so an unknown model has no runs rather than a 404.
 */
@Path("/api/models/{name}/runs")
@Produces(MediaType.APPLICATION_JSON)
public class TrainingRunResource {

    static final int DEFAULT_LIMIT = 20;

    @Inject
    TrainingRunStore runs;

    @GET
    public Response runs(@PathParam("name") String name, @QueryParam("limit") String limit) {
        String model = Names.model(name);
        int count = limit(limit);
        return json(TrainingRunJson.list(runs.runs(model, count)));
    }

    @PUT
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response report(@PathParam("name") String name, @PathParam("id") String id, InputStream body)
            throws IOException {
        String model = Names.model(name);
        long number = id(id);
        byte[] bytes = body.readNBytes(TrainingRunJson.MAX_REPORT_BYTES + 1);
        if (bytes.length > TrainingRunJson.MAX_REPORT_BYTES) {
            throw Refusal.badRequest("body: a run report is at most " + TrainingRunJson.MAX_REPORT_BYTES + " bytes");
        }
        Decoded<TrainingRun> report = TrainingRunJson.REPORT.decode(bytes);
        if (!report.isOk()) {
            throw Refusal.badRequest(report.error().describe());
        }
        TrainingRun stored = runs.save(report.value().of(model, number));
        return json(TrainingRunJson.REPORT.encode(stored));
    }

    private static Response json(byte[] body) {
        return Response.ok(body, MediaType.APPLICATION_JSON).build();
    }

    private static long id(String id) {
        if (id == null || !id.matches("[1-9][0-9]{0,17}")) {
            throw Refusal.badRequest("id: run id '" + Names.printable(id) + "' is not a run number (1, 2, ...)");
        }
        return Long.parseLong(id);
    }

    private static int limit(String limit) {
        if (limit == null) {
            return DEFAULT_LIMIT;
        }
        if (!limit.matches("[0-9]{1,3}") || Integer.parseInt(limit) < 1 || Integer.parseInt(limit) > TrainingRunStore.KEEP) {
            throw Refusal.badRequest("limit: '" + Names.printable(limit) + "' is not a whole number between 1 and "
                    + TrainingRunStore.KEEP);
        }
        return Integer.parseInt(limit);
    }
}
