package dev.agentharness.runtime.api;

import dev.agentharness.api.ArtifactRef;
import dev.agentharness.runtime.security.Caller;
import dev.agentharness.runtime.state.ArtifactIndex;
import dev.agentharness.runtime.state.ArtifactRow;
import dev.agentharness.runtime.state.RunReads;
import dev.agentharness.runtime.storage.ArtifactLinks;
import dev.agentharness.runtime.storage.ObjectKeys;
import dev.agentharness.runtime.storage.Storage;
import dev.agentharness.runtime.storage.StorageException;
import dev.agentharness.runtime.storage.StoredObject;
import io.smallrye.common.annotation.RunOnVirtualThread;
import jakarta.ws.rs.Consumes;
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

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.regex.Pattern;

/**
 * Downloads of run artifacts by fresh link, and uploads of session inputs (SPEC §7).
 *
 * <p>Inputs are sent as the raw request body with the file name in {@code ?name=}: no multipart
 * parsing, and the body is read at most one byte past the limit. A session that does not exist
 * yet is created for the caller, so inputs can be uploaded before the first run names the
 * session. Sessions are per principal: the same id used by another principal is another session
 * with its own key prefix ({@link ObjectKeys#input}), so the answer never depends on it.
 */
@Path("/")
@RunOnVirtualThread
public class ArtifactsResource {

    private static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");

    private final RunReads runs;
    private final ArtifactIndex index;
    private final Storage storage;
    private final ArtifactLinks links;
    private final Caller caller;

    public ArtifactsResource(RunReads runs, ArtifactIndex index, Storage storage, ArtifactLinks links, Caller caller) {
        this.runs = runs;
        this.index = index;
        this.storage = storage;
        this.links = links;
        this.caller = caller;
    }

    /** 302 to a freshly signed link; the run's owner only (others get 404, as for the run itself). */
    @GET
    @Path("runs/{id}/artifacts/{name: .+}")
    @Produces(MediaType.APPLICATION_JSON)
    public Response download(@PathParam("id") String runId, @PathParam("name") String name) {
        String principal = caller.principal();
        if (runs.find(runId, principal).isEmpty()) {
            throw ApiException.notFound("run '" + runId + "' not found");
        }
        ArtifactRow artifact = index.find(runId, principal, name)
                .orElseThrow(() -> ApiException.notFound("run '" + runId + "' has no artifact named '" + name + "'"));
        URI link = links.download(artifact.key());
        // A header, not location(): JAX-RS would resolve a relative link against the request's Host.
        return Response.status(Response.Status.FOUND).header(HttpHeaders.LOCATION, link.toString())
                .header(HttpHeaders.CACHE_CONTROL, "no-store").build();
    }

    @POST
    @Path("sessions/{id}/inputs")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Response upload(@PathParam("id") String sessionId, @QueryParam("name") String name,
                           @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
                           @HeaderParam(HttpHeaders.CONTENT_LENGTH) Long contentLength, InputStream body) {
        String principal = caller.principal();
        if (!SESSION_ID.matcher(sessionId).matches()) {
            throw ApiException.badRequest("path parameter 'session_id' must match " + SESSION_ID.pattern());
        }
        String key;
        try {
            key = ObjectKeys.input(principal, sessionId, name);
        } catch (ObjectKeys.InvalidNameException e) {
            throw ApiException.badRequest("query parameter 'name': " + e.getMessage());
        }
        long limit = storage.maxInputBytes();
        if (contentLength != null && contentLength > limit) {
            throw tooLarge(limit);
        }
        byte[] bytes = readAtMost(body, limit);
        String type = contentType == null || contentType.isBlank() ? MediaType.APPLICATION_OCTET_STREAM : contentType;
        ArtifactIndex.SessionClaim claim = index.claimSession(sessionId, principal);
        StoredObject stored;
        try {
            stored = storage.store().put(key, bytes, type);
        } catch (StorageException e) {
            if (claim == ArtifactIndex.SessionClaim.CREATED) {
                index.releaseCreatedSession(sessionId, principal);   // nothing half-written
            }
            throw ApiException.unavailable("the input was not stored: " + e.getMessage(), 5);
        }
        ArtifactRef ref = new ArtifactRef(name, stored.key(), stored.size(), stored.sha256(), stored.contentType());
        return Response.status(Response.Status.CREATED).entity(ref).build();
    }

    private static byte[] readAtMost(InputStream body, long limit) {
        if (body == null) {
            return new byte[0];
        }
        try {
            byte[] bytes = body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (bytes.length > limit) {
                throw tooLarge(limit);
            }
            return bytes;
        } catch (IOException e) {
            throw ApiException.badRequest("the request body could not be read");
        }
    }

    private static ApiException tooLarge(long limit) {
        return new ApiException(413, "Content Too Large", "an input file has at most " + limit
                + " bytes (harness.storage.max-input-bytes)");
    }
}
