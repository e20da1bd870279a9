package dev.streamcast.registry.rest;

import dev.streamcast.registry.RegistryConfig;
import dev.streamcast.registry.security.Tokens;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.LinkedHashMap;
import java.util.Map;

/** What a client or the UI needs to know before it starts: whether reads need a token, the upload limit, where the live page is. */
@Path("/api/info")
@Produces(MediaType.APPLICATION_JSON)
public class InfoResource {

    @Inject
    RegistryConfig config;

    @Inject
    Tokens tokens;

    @GET
    public Map<String, Object> info() {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("readOpen", tokens.readOpen());
        info.put("maxUploadBytes", config.upload().maxSize().asLongValue());
        info.put("eventsTopic", config.events().enabled() ? config.events().topic() : null);
        info.put("livePageUrl", config.ui().livePageUrl().map(Object::toString).orElse(null));
        return info;
    }
}
