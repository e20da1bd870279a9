package dev.streamcast.trainer.service;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /api/runs}: the runs, going and finished, with their progress; {@code POST} starts one (a write token
 * needed), {@code DELETE /api/runs/{id}} cancels one. Errors are {@code {"error": "..."}} with what to do.
 */
@Path("/api/runs")
@Produces(MediaType.APPLICATION_JSON)
public class RunsResource {

    private final Runs runs;
    private final WriteTokens tokens;

    RunsResource(Runs runs, WriteTokens tokens) {
        this.runs = runs;
        this.tokens = tokens;
    }

    @GET
    public Map<String, Object> list() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("running", runs.current().map(Run::view).orElse(null));
        body.put("runs", runs.all().stream().map(Run::view).toList());
        return body;
    }

    @GET
    @Path("/{id}")
    public Response one(@PathParam("id") long id) {
        return runs.find(id).map(r -> Response.ok(r.view()).build()).orElseGet(() -> error(404, "no run " + id
                + " (the service keeps the last trainer.run.history runs)"));
    }

    /** Starts a run: 202 with it, or 409 with the run already going (one at a time). */
    @POST
    public Response start(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @QueryParam("reason") String reason) {
        Response refused = refuse(authorization);
        if (refused != null) {
            return refused;
        }
        Runs.Submission s = runs.submit(Run.Trigger.REQUEST, reason == null || reason.isBlank() ? "requested through the API" : reason);
        if (!s.started()) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", "run " + s.run().id() + " is going (started by " + Runs.tag(s.run().trigger())
                    + "); one run at a time: wait for it, or cancel it with DELETE /api/runs/" + s.run().id());
            body.put("running", s.run().view());
            return Response.status(409).entity(body).build();
        }
        return Response.accepted(s.run().view()).build();
    }

    @DELETE
    @Path("/{id}")
    public Response cancel(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, @PathParam("id") long id) {
        Response refused = refuse(authorization);
        if (refused != null) {
            return refused;
        }
        return runs.find(id).map(r -> r.running() ? Response.accepted(runs.cancel(id).orElse(r).view()).build()
                        : error(409, "run " + id + " is not going: it " + Runs.tag(r.state())))
                .orElseGet(() -> error(404, "no run " + id));
    }

    private Response refuse(String authorization) {
        if (!tokens.configured()) {
            return error(401, "this trainer has no write token: set trainer.auth.write-tokens or trainer.auth.token-file"
                    + " to start or cancel runs");
        }
        if (!tokens.allows(authorization)) {
            return error(401, "starting or cancelling a run needs a write token: Authorization: Bearer <token>");
        }
        return null;
    }

    private static Response error(int status, String message) {
        return Response.status(status).entity(Map.of("error", message)).type(MediaType.APPLICATION_JSON).build();
    }
}
