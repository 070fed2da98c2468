package dev.agentharness.runtime.api;

import dev.agentharness.runtime.storage.LinkSigner;
import dev.agentharness.runtime.storage.ContentDisposition;
import dev.agentharness.runtime.storage.LocalArtifactStore;
import dev.agentharness.runtime.storage.ObjectKeys;
import dev.agentharness.runtime.storage.Storage;
import dev.agentharness.runtime.storage.StorageException;
import dev.agentharness.runtime.storage.StoredObject;
import io.smallrye.common.annotation.RunOnVirtualThread;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.io.InputStream;

/**
 * Serves the local store's signed links ({@code /storage/{key}?X-Harness-Expires&X-Harness-Signature}).
 * The signature is the credential, as with a presigned S3 URL, so {@code ApiKeyFilter} lets these
 * requests through; an expired or altered link is 403 whether or not the object exists.
 */
@Path("/storage")
@RunOnVirtualThread
public class StorageLinksResource {

    private final Storage storage;

    public StorageLinksResource(Storage storage) {
        this.storage = storage;
    }

    @GET
    @Path("{key: .+}")
    @Produces(MediaType.WILDCARD)
    public Response get(@PathParam("key") String key, @QueryParam(LocalArtifactStore.EXPIRES_PARAM) String expires,
                        @QueryParam(LocalArtifactStore.SIGNATURE_PARAM) String signature) {
        LocalArtifactStore local = verified("GET", key, expires, signature);
        StoredObject head = local.head(key).orElseThrow(() -> ApiException.notFound("no object at this link"));
        java.nio.file.Path file = local.open(key).orElseThrow(() -> ApiException.notFound("no object at this link"));
        return Response.ok(file.toFile(), head.contentType())
                .header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment(key))
                .header(HttpHeaders.CACHE_CONTROL, "private, no-store")
                // The content type is the uploader's to choose: a browser must not sniff it into HTML.
                .header("X-Content-Type-Options", "nosniff")
                .build();
    }

    @PUT
    @Path("{key: .+}")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    public Response put(@PathParam("key") String key, @QueryParam(LocalArtifactStore.EXPIRES_PARAM) String expires,
                        @QueryParam(LocalArtifactStore.SIGNATURE_PARAM) String signature,
                        @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, InputStream body) {
        LocalArtifactStore local = verified("PUT", key, expires, signature);
        long limit = storage.maxInputBytes();
        try {
            byte[] bytes = body == null ? new byte[0] : body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (bytes.length > limit) {
                throw new ApiException(413, "Content Too Large", "an object uploaded by link has at most " + limit + " bytes");
            }
            local.put(key, bytes, contentType == null ? MediaType.APPLICATION_OCTET_STREAM : contentType);
            return Response.ok().build();
        } catch (IOException e) {
            throw ApiException.badRequest("the request body could not be read");
        } catch (StorageException e) {
            throw ApiException.unavailable(e.getMessage(), 5);
        }
    }

    private LocalArtifactStore verified(String method, String key, String expires, String signature) {
        if (!(storage.store() instanceof LocalArtifactStore local)) {
            throw ApiException.notFound("this harness stores artifacts in R2/S3; its links point there");
        }
        try {
            if ("PUT".equals(method)) {
                ObjectKeys.checkUploadable(key);
            } else {
                ObjectKeys.checkLinkable(key);
            }
        } catch (ObjectKeys.InvalidNameException e) {
            throw forbidden("this link is not valid");
        }
        LinkSigner.Verdict verdict = local.verify(method, key, expires, signature);
        return switch (verdict) {
            case VALID -> local;
            case EXPIRED -> throw forbidden("this link has expired; ask the harness for a new one");
            case BAD_SIGNATURE -> throw forbidden("this link's signature does not match");
        };
    }

    private static ApiException forbidden(String detail) {
        return new ApiException(403, "Forbidden", detail);
    }
}
