package dev.streamcast.registry.rest;

import dev.streamcast.contracts.bundle.InvalidBundleException;
import dev.streamcast.registry.artifacts.ArtifactStore;
import dev.streamcast.registry.model.Version;
import dev.streamcast.registry.model.Version.BundleFile;
import dev.streamcast.registry.model.Model;
import dev.streamcast.registry.events.EventPublisher;
import dev.streamcast.registry.model.Names;
import dev.streamcast.registry.model.Refusal;
import dev.streamcast.registry.store.RegistryStore;
import dev.streamcast.registry.upload.Uploads;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.core.Context;

import java.io.IOException;
import java.io.InputStream;

import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The registry's HTTP API under {@code /api/models} (README "API"). JSON in and out, bundles as
 * zip. Names in paths are checked against the safe set before anything else happens.
 */
@Path("/api/models")
@Produces(MediaType.APPLICATION_JSON)
public class ModelResource {

    public static final String UPLOADS = "registry_uploads_total";
    public static final String UPLOAD_BYTES = "registry_upload_bytes";
    public static final String ALIAS_MOVES = "registry_alias_moves_total";
    /** The {@code outcome} of {@code registry_uploads_total}. */
    public static final List<String> UPLOAD_OUTCOMES = List.of("created", "replayed", "invalid", "too_large", "refused", "error");

    /** What a PUT on a model carries. */
    public record ModelUpdate(String description, Map<String, String> tags) {
    }

    /** What a PUT on an alias carries: the version, and optionally the version it must point at now (0: none). */
    public record AliasMove(Long version, Long expectedVersion) {
    }

    @Inject
    RegistryStore store;

    @Inject
    Uploads uploads;

    @Inject
    ArtifactStore artifacts;

    @Inject
    EventPublisher events;

    @Inject
    MeterRegistry metrics;

    @GET
    public List<Model> models() {
        return store.models();
    }

    @GET
    @Path("/{name}")
    public Model model(@PathParam("name") String name) {
        return store.model(Names.model(name));
    }

    @PUT
    @Path("/{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Model saveModel(@PathParam("name") String name, ModelUpdate update) {
        if (update == null) {
            throw Refusal.badRequest("body: expected {\"description\": \"...\", \"tags\": {\"key\": \"value\"}}");
        }
        return store.saveModel(Names.model(name), update.description(), update.tags());
    }

    @POST
    @Path("/{name}/versions")
    @Consumes({"application/zip", MediaType.APPLICATION_OCTET_STREAM})
    public Response upload(@PathParam("name") String name, @QueryParam("creator") String creator,
                           @QueryParam("description") String description, @QueryParam("alias") List<String> aliases,
                           @HeaderParam("Idempotency-Key") String uploadKey, @Context UriInfo uri, InputStream body)
            throws IOException, InvalidBundleException {
        String outcome = "error";
        try {
            RegistryStore.Created created = uploads.publish(name, body, creator, description,
                    aliases == null ? List.of() : aliases, uploadKey);
            outcome = created.created() ? "created" : "replayed";
            if (created.created()) {
                events.wake();
                metrics.summary(UPLOAD_BYTES).record(created.version().sizeBytes());
                return Response.created(uri.getAbsolutePathBuilder().path(String.valueOf(created.version().version())).build())
                        .entity(created.version()).build();
            }
            return Response.ok(created.version()).build();
        } catch (InvalidBundleException e) {
            outcome = "invalid";
            throw e;
        } catch (dev.streamcast.contracts.bundle.BundleTooLargeException e) {
            outcome = "too_large";
            throw e;
        } catch (Refusal e) {
            outcome = "refused";
            throw e;
        } finally {
            metrics.counter(UPLOADS, "outcome", outcome).increment();
        }
    }

    @GET
    @Path("/{name}/versions")
    public List<Version> versions(@PathParam("name") String name,
                                       @QueryParam("archived") @DefaultValue("true") boolean includeArchived) {
        return store.versions(Names.model(name), includeArchived);
    }

    @GET
    @Path("/{name}/versions/{version}")
    public Version version(@PathParam("name") String name, @PathParam("version") String version) {
        return resolve(Names.model(name), version);
    }

    @DELETE
    @Path("/{name}/versions/{version}")
    public Response deleteVersion(@PathParam("name") String name, @PathParam("version") String version) throws IOException {
        List<String> addresses = store.deleteVersion(Names.model(name), number(version));
        events.wake();
        uploads.removeUnreferenced(addresses);
        return Response.noContent().build();
    }

    @POST
    @Path("/{name}/versions/{version}/archive")
    public Version archive(@PathParam("name") String name, @PathParam("version") String version) {
        Version archived = store.archive(Names.model(name), number(version));
        events.wake();
        return archived;
    }

    @GET
    @Path("/{name}/versions/{version}/bundle")
    @Produces({"application/zip", MediaType.APPLICATION_JSON})
    public Response bundle(@PathParam("name") String name, @PathParam("version") String version) {
        Version v = resolve(Names.model(name), version);
        StreamingOutput zip = out -> {
            ZipOutputStream archive = new ZipOutputStream(out);
            for (BundleFile f : v.files()) {
                archive.putNextEntry(new ZipEntry(f.name()));
                try (InputStream in = artifacts.open(f.sha256())) {
                    in.transferTo(archive);
                }
                archive.closeEntry();
            }
            archive.finish();
            archive.flush();
        };
        return Response.ok(zip, "application/zip")
                .header("Content-Disposition", "attachment; filename=\"" + v.model() + "-" + v.version() + ".zip\"")
                .header("ETag", "\"" + v.sha256() + "\"")
                .build();
    }

    @GET
    @Path("/{name}/versions/{version}/files/{file}")
    @Produces({MediaType.APPLICATION_OCTET_STREAM, MediaType.APPLICATION_JSON})
    public Response file(@PathParam("name") String name, @PathParam("version") String version,
                         @PathParam("file") String file) throws IOException {
        Version v = resolve(Names.model(name), version);
        BundleFile f = v.files().stream().filter(x -> x.name().equals(file)).findFirst()
                .orElseThrow(() -> Refusal.notFound(v.ref() + " has no file '" + Names.printable(file) + "' (its files are "
                        + v.files().stream().map(BundleFile::name).toList() + ")"));
        StreamingOutput content = out -> {
            try (InputStream in = artifacts.open(f.sha256())) {
                in.transferTo(out);
            }
        };
        return Response.ok(content, f.name().endsWith(".json") ? MediaType.APPLICATION_JSON : MediaType.APPLICATION_OCTET_STREAM)
                .header("Content-Length", f.sizeBytes())
                .header("ETag", "\"" + f.sha256() + "\"")
                .build();
    }

    @GET
    @Path("/{name}/aliases")
    public Map<String, Long> aliases(@PathParam("name") String name) {
        return store.aliases(Names.model(name));
    }

    @GET
    @Path("/{name}/aliases/{alias}")
    public Version alias(@PathParam("name") String name, @PathParam("alias") String alias) {
        return resolve(Names.model(name), alias);
    }

    @PUT
    @Path("/{name}/aliases/{alias}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Version moveAlias(@PathParam("name") String name, @PathParam("alias") String alias, AliasMove move) {
        if (move == null || move.version() == null || move.version() < 1) {
            throw Refusal.badRequest("version: expected {\"version\": <a version number from 1>}, got "
                    + (move == null ? "no body" : move.version()));
        }
        if (move.expectedVersion() != null && move.expectedVersion() < 0) {
            throw Refusal.badRequest("expectedVersion: " + move.expectedVersion() + " is negative (0 means: the alias must not exist)");
        }
        Version moved = store.moveAlias(Names.model(name), Names.alias(alias), move.version(), move.expectedVersion());
        events.wake();
        metrics.counter(ALIAS_MOVES).increment();
        return moved;
    }

    @DELETE
    @Path("/{name}/aliases/{alias}")
    public Response removeAlias(@PathParam("name") String name, @PathParam("alias") String alias) {
        store.removeAlias(Names.model(name), Names.alias(alias));
        events.wake();
        return Response.noContent().build();
    }

    /** A version number, an alias, or {@code latest}. */
    private Version resolve(String name, String ref) {
        if (ref != null && ref.matches("[0-9]{1,10}")) {
            return store.version(name, number(ref));
        }
        if (Names.LATEST.equals(ref)) {
            return store.latest(name);
        }
        return store.byAlias(name, Names.alias(ref));
    }

    private static long number(String version) {
        if (version == null || !version.matches("[1-9][0-9]{0,9}")) {
            throw Refusal.badRequest("version '" + Names.printable(version) + "' is not a version number (1, 2, ...)");
        }
        return Long.parseLong(version);
    }

}
