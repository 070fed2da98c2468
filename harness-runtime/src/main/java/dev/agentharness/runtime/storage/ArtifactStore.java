package dev.agentharness.runtime.storage;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where agent inputs and outputs live (SPEC §7): Cloudflare R2 or any S3-compatible store, or a
 * local directory served by the harness. Keys are validated {@link ObjectKeys}; links are
 * short-lived and carry a signature, never a storage credential.
 */
public interface ArtifactStore {

    /** The longest a signed link may live: SigV4's own limit, applied to every backend alike. */
    Duration MAX_LINK_TTL = Duration.ofDays(7);

    /** Stores {@code bytes} under {@code key}, replacing what was there. */
    StoredObject put(String key, byte[] bytes, String contentType);

    /**
     * Stores the bytes of {@code file} under {@code key}, streamed from disk (never whole in memory), replacing what
     * was there; readers never see a partial object. The stored object carries no sha256.
     */
    StoredObject put(String key, Path file, String contentType);

    /** The object's bytes, streamed; empty when there is none. The caller closes the stream. */
    Optional<ObjectContent> get(String key);

    /** Deletes the object under {@code key}, if there is one. */
    void delete(String key);

    /** Deletes every object whose key starts with {@code prefix} (a validated prefix); returns how many. */
    int deleteAll(String prefix);

    /** A link anyone can GET until {@code ttl} has passed; tampering with it makes it invalid. */
    URI presignGet(String key, Duration ttl);

    /** A link that accepts one PUT of the object (for sandboxes that upload outputs without credentials). */
    URI presignPut(String key, Duration ttl);

    Optional<StoredObject> head(String key);

    /**
     * The objects whose keys start with {@code prefix} (a validated key prefix such as
     * {@code inputs/s-1/}), sorted by key, at most {@code max}; {@code sha256} and
     * {@code contentType} may be null where the store does not list them.
     *
     * @throws StorageException when more than {@code max} objects match, so a caller never works on a silently cut list
     */
    List<StoredObject> list(String prefix, int max);

    /** True when the store answers right now (HeadBucket for S3, a writable directory for local). */
    boolean healthy();

    /** Expires {@code outputs/} after {@code outputsExpireDays}; never touches other prefixes or other rules. */
    LifecycleOutcome applyLifecycle(int outputsExpireDays);

    /** {@code r2}, {@code s3} or {@code local}: for logs and {@code /health}. */
    String kind();

    /** True for R2/S3: a configured remote backend (what {@code /health}'s r2 flag reports). */
    default boolean remote() {
        return !"local".equals(kind());
    }

    static void checkTtl(Duration ttl) {
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_LINK_TTL) > 0) {
            throw new IllegalArgumentException("a link lives between 1 second and " + MAX_LINK_TTL.toDays()
                    + " days, not " + ttl);
        }
    }
}
