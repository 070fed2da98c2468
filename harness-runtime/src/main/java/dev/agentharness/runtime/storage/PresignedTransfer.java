package dev.agentharness.runtime.storage;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Moves object bytes through short-lived links only, the way a sandbox-side agent would: GET on a
 * presigned download link, PUT on a presigned upload link, with a plain HTTP client that holds no
 * storage credential. The same code serves R2/S3 (SigV4 links) and the local store (HMAC links);
 * a relative local link — a harness without {@code HARNESS_PUBLIC_URL} — is followed in-process
 * with exactly the checks the {@code /storage/} endpoint applies.
 *
 * <p>Failure messages name the status or the reason, never the link: a presigned S3 URL carries
 * the access key id.
 */
public final class PresignedTransfer {

    private final ArtifactStore store;
    private final HttpClient http;
    private final Duration timeout;

    public PresignedTransfer(ArtifactStore store, Duration timeout) {
        this.store = store;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** The bytes behind a download link; refuses objects larger than {@code maxBytes}. */
    public byte[] download(URI link, long maxBytes) {
        if (!link.isAbsolute()) {
            LocalArtifactStore local = local();
            String key = local.keyOf("GET", link);
            try {
                java.nio.file.Path file = local.open(key).orElseThrow(() -> new StorageException("no object at " + key));
                if (java.nio.file.Files.size(file) > maxBytes) {
                    throw new StorageException(key + " is larger than " + maxBytes + " bytes");
                }
                return java.nio.file.Files.readAllBytes(file);
            } catch (IOException e) {
                throw new StorageException("could not read " + key + " (" + e.getClass().getSimpleName() + ")");
            }
        }
        HttpRequest request = HttpRequest.newBuilder(link).timeout(timeout).GET().build();
        try {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    throw new StorageException("download link answered HTTP " + response.statusCode());
                }
                byte[] bytes = body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
                if (bytes.length > maxBytes) {
                    throw new StorageException("the object is larger than " + maxBytes + " bytes");
                }
                return bytes;
            }
        } catch (IOException e) {
            throw new StorageException("download link could not be read (" + e.getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("download interrupted");
        }
    }

    /** Uploads {@code bytes} to an upload link, replacing the object. */
    public StoredObject upload(URI link, String key, byte[] bytes, String contentType) {
        if (!link.isAbsolute()) {
            LocalArtifactStore local = local();
            String linked = local.keyOf("PUT", link);
            if (!linked.equals(key)) {
                throw new StorageException("the upload link is for another object");
            }
            return local.put(key, bytes, contentType);
        }
        HttpRequest request = HttpRequest.newBuilder(link).timeout(timeout)
                .header("Content-Type", contentType)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new StorageException("upload link answered HTTP " + response.statusCode());
            }
            return new StoredObject(key, bytes.length, Digests.sha256Hex(bytes), contentType);
        } catch (IOException e) {
            throw new StorageException("upload link could not be used (" + e.getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException("upload interrupted");
        }
    }

    private LocalArtifactStore local() {
        if (store instanceof LocalArtifactStore local) {
            return local;
        }
        throw new StorageException("a relative link can only come from the local store");
    }
}
