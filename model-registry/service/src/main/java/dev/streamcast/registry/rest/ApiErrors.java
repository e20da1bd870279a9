package dev.streamcast.registry.rest;

import dev.streamcast.contracts.bundle.BundleTooLargeException;
import dev.streamcast.contracts.bundle.InvalidBundleException;
import dev.streamcast.registry.model.Refusal;
import dev.streamcast.registry.store.StoreException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every error as JSON {@code {"status": 400, "error": "...", "problems": [...]}}: {@code error} is
 * one sentence naming the field, value and rule; {@code problems} lists each problem of an
 * invalid bundle.
 */
public class ApiErrors {

    private static final Logger LOG = Logger.getLogger(ApiErrors.class);

    public static Map<String, Object> body(int status, String error) {
        return body(status, error, List.of());
    }

    static Map<String, Object> body(int status, String error, List<String> problems) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("error", error);
        if (!problems.isEmpty()) {
            body.put("problems", problems);
        }
        return body;
    }

    private static Response json(int status, Map<String, Object> body) {
        return Response.status(status).entity(body).type("application/json").build();
    }

    @ServerExceptionMapper
    public Response refusal(Refusal e) {
        int status = switch (e.kind()) {
            case BAD_REQUEST -> 400;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
        };
        return json(status, body(status, e.getMessage()));
    }

    @ServerExceptionMapper
    public Response invalidBundle(InvalidBundleException e) {
        return json(400, body(400, e.getMessage(), e.problems()));
    }

    @ServerExceptionMapper
    public Response tooLarge(BundleTooLargeException e) {
        return json(413, body(413, e.getMessage()));
    }

    @ServerExceptionMapper
    public Response store(StoreException e) {
        LOG.warn("database failure", e);
        return Response.status(503).header("Retry-After", "1").entity(body(503, e.getMessage()))
                .type("application/json").build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        return json(status, body(status, e.getMessage()));
    }
}
