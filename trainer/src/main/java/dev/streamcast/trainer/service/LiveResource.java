package dev.streamcast.trainer.service;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.Map;

/** {@code GET /api/live}: the champion and challenger compared live, the drift window, the last promotion decisions. */
@Path("/api/live")
@Produces(MediaType.APPLICATION_JSON)
public class LiveResource {

    private final LiveScores live;

    LiveResource(LiveScores live) {
        this.live = live;
    }

    @GET
    public Map<String, Object> live() {
        return live.view();
    }
}
