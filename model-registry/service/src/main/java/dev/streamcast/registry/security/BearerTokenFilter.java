package dev.streamcast.registry.security;

import dev.streamcast.registry.rest.ApiErrors;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Every {@code /api} request passes here. Writes (any method but GET, HEAD and OPTIONS) need a
 * write token: 401 without a valid token, 403 with a read-only one. Reads need a read or write
 * token too, unless {@code registry.auth.read-open=true}. A token that is presented but wrong is a
 * 401 everywhere, even where reads are open, so a typo is noticed on the first read.
 */
public class BearerTokenFilter {

    private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");
    public static final String AUTH_REFUSALS = "registry_auth_refusals_total";
    /** The {@code status} of {@code registry_auth_refusals_total}. */
    public static final List<Integer> REFUSALS = List.of(401, 403);

    @Inject
    Tokens tokens;

    @Inject
    MeterRegistry metrics;

    @ServerRequestFilter
    public Optional<Response> authorize(ContainerRequestContext request) {
        Tokens.Access access = tokens.access(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        boolean read = READS.contains(request.getMethod());
        String problem = null;
        int status = 0;
        if (access == Tokens.Access.INVALID) {
            status = 401;
            problem = "the bearer token is not valid for this registry";
        } else if (!read && access == Tokens.Access.NONE) {
            status = 401;
            problem = request.getMethod() + " changes the registry and needs a write token: Authorization: Bearer <token>";
        } else if (!read && access == Tokens.Access.READ) {
            status = 403;
            problem = "this token may only read; " + request.getMethod() + " needs a write token";
        } else if (read && !tokens.readOpen() && access == Tokens.Access.NONE) {
            status = 401;
            problem = "reads need a token on this registry (registry.auth.read-open=false): Authorization: Bearer <token>";
        }
        if (status == 0) {
            return Optional.empty();
        }
        metrics.counter(AUTH_REFUSALS, "status", String.valueOf(status)).increment();
        Response.ResponseBuilder response = Response.status(status).entity(ApiErrors.body(status, problem))
                .type("application/json");
        if (status == 401) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"streamcast-registry\"");
        }
        return Optional.of(response.build());
    }
}
