package dev.agentharness.runtime.storage;

import io.opentelemetry.api.trace.Tracer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.BucketLifecycleConfiguration;
import software.amazon.awssdk.services.s3.model.ExpirationStatus;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.LifecycleExpiration;
import software.amazon.awssdk.services.s3.model.LifecycleRule;
import software.amazon.awssdk.services.s3.model.LifecycleRuleFilter;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Cloudflare R2 or any S3-compatible store, on the AWS SDK v2. Links are SigV4 presigned URLs:
 * the only trace of the credentials in them is the access key id and the signature, as SigV4 requires.
 */
public final class S3ArtifactStore implements ArtifactStore, AutoCloseable {

    /** Our lifecycle rule; other rules in the bucket belong to someone else and are kept as they are. */
    static final String LIFECYCLE_RULE_ID = "agent-harness-outputs-expiry";

    private static final Duration HEALTH_TIMEOUT = Duration.ofMillis(800);

    /** An upload may take this long per MiB beyond the usual call timeout: checkpoints are up to a GiB. */
    private static final Duration UPLOAD_TIME_PER_MIB = Duration.ofSeconds(1);

    private final S3Settings settings;
    private final Tracer tracer;
    private final Duration callTimeout;
    private final S3Client client;
    private final S3Presigner presigner;

    public S3ArtifactStore(S3Settings settings, Duration callTimeout) {
        this(settings, callTimeout, StorageSpans.NONE);
    }

    /** @param tracer traces the writes ({@link StorageSpans}) */
    public S3ArtifactStore(S3Settings settings, Duration callTimeout, Tracer tracer) {
        this.tracer = tracer;
        this.settings = settings;
        this.callTimeout = callTimeout;
        var credentials = StaticCredentialsProvider.create(
                AwsBasicCredentials.create(settings.accessKeyId(), settings.secretAccessKey()));
        S3Configuration s3 = S3Configuration.builder().pathStyleAccessEnabled(settings.pathStyle()).build();
        this.client = S3Client.builder()
                .endpointOverride(settings.endpoint())
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .serviceConfiguration(s3)
                // SDK 2.30+ sends CRC checksums (and aws-chunked trailers) on every upload by default; R2 and
                // several other S3-compatible stores reject or mis-store those. WHEN_REQUIRED keeps checksums
                // only for the operations that demand them (e.g. PutBucketLifecycleConfiguration).
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(c -> c.apiCallTimeout(callTimeout).retryStrategy(RetryMode.STANDARD))
                .build();
        this.presigner = S3Presigner.builder()
                .endpointOverride(settings.endpoint())
                .region(Region.of(settings.region()))
                .credentialsProvider(credentials)
                .serviceConfiguration(s3)
                .build();
    }

    @Override
    public StoredObject put(String key, byte[] bytes, String contentType) {
        return StorageSpans.put(tracer, kind(), settings.bucket(), key, () -> write(key, bytes, contentType));
    }

    private StoredObject write(String key, byte[] bytes, String contentType) {
        ObjectKeys.checkKey(key);
        String sha256 = Digests.sha256Hex(bytes);
        call("store " + key, () -> client.putObject(b -> b.bucket(settings.bucket()).key(key).contentType(contentType)
                .metadata(Map.of("sha256", sha256)), RequestBody.fromBytes(bytes)));
        return new StoredObject(key, bytes.length, sha256, contentType);
    }

    @Override
    public StoredObject put(String key, Path file, String contentType) {
        return StorageSpans.put(tracer, kind(), settings.bucket(), key, () -> write(key, file, contentType));
    }

    private StoredObject write(String key, Path file, String contentType) {
        ObjectKeys.checkKey(key);
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new StorageException("the file for " + key + " cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        Duration timeout = callTimeout.plus(UPLOAD_TIME_PER_MIB.multipliedBy(size >> 20));
        call("store " + key, () -> client.putObject(b -> b.bucket(settings.bucket()).key(key).contentType(contentType)
                .overrideConfiguration(c -> c.apiCallTimeout(timeout)), RequestBody.fromFile(file)));
        return new StoredObject(key, size, null, contentType);
    }

    @Override
    public Optional<ObjectContent> get(String key) {
        ObjectKeys.checkKey(key);
        try {
            // The call timeout covers the answer's head; the body is read as the caller consumes it.
            ResponseInputStream<GetObjectResponse> body = call("read " + key, () -> client.getObject(
                    b -> b.bucket(settings.bucket()).key(key), ResponseTransformer.toInputStream()));
            return Optional.of(new ObjectContent(body, body.response().contentLength()));
        } catch (NotFound e) {
            return Optional.empty();
        }
    }

    @Override
    public void delete(String key) {
        ObjectKeys.checkKey(key);
        try {
            call("delete " + key, () -> client.deleteObject(b -> b.bucket(settings.bucket()).key(key)));
        } catch (NotFound e) {
            // already gone
        }
    }

    @Override
    public int deleteAll(String prefix) {
        ObjectKeys.checkPrefix(prefix);
        // One DeleteObject per key: a run has few checkpoints, and DeleteObjects needs a checksum some stores refuse.
        List<String> keys = new ArrayList<>();
        call("list " + prefix, () -> {
            for (S3Object object : client.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(prefix))
                    .contents()) {
                keys.add(object.key());
            }
            return keys;
        });
        for (String key : keys) {
            call("delete " + key, () -> client.deleteObject(b -> b.bucket(settings.bucket()).key(key)));
        }
        return keys.size();
    }

    @Override
    public URI presignGet(String key, Duration ttl) {
        ObjectKeys.checkLinkable(key);
        ArtifactStore.checkTtl(ttl);
        // response-* overrides are part of the signature: the store answers with them, and nobody can drop them.
        return toUri(presigner.presignGetObject(p -> p.signatureDuration(ttl)
                .getObjectRequest(g -> g.bucket(settings.bucket()).key(key)
                        .responseContentDisposition(ContentDisposition.attachment(key))
                        .responseCacheControl("private, no-store"))).url());
    }

    @Override
    public URI presignPut(String key, Duration ttl) {
        ObjectKeys.checkUploadable(key);
        ArtifactStore.checkTtl(ttl);
        return toUri(presigner.presignPutObject(p -> p.signatureDuration(ttl)
                .putObjectRequest(g -> g.bucket(settings.bucket()).key(key))).url());
    }

    @Override
    public Optional<StoredObject> head(String key) {
        ObjectKeys.checkKey(key);
        try {
            HeadObjectResponse head = call("read " + key,
                    () -> client.headObject(b -> b.bucket(settings.bucket()).key(key)));
            return Optional.of(new StoredObject(key, head.contentLength(), head.metadata().get("sha256"),
                    head.contentType()));
        } catch (NotFound e) {
            return Optional.empty();
        }
    }

    @Override
    public List<StoredObject> list(String prefix, int max) {
        ObjectKeys.checkPrefix(prefix);
        List<StoredObject> objects = new ArrayList<>();
        call("list " + prefix, () -> {
            for (S3Object object : client.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(prefix)
                    .maxKeys(Math.min(1000, max + 1))).contents()) {
                if (objects.size() == max) {
                    throw new StorageException("more than " + max + " objects under " + prefix);
                }
                objects.add(new StoredObject(object.key(), object.size(), null, null));
            }
            return objects;
        });
        return objects;
    }

    @Override
    public boolean healthy() {
        try {
            client.headBucket(b -> b.bucket(settings.bucket())
                    .overrideConfiguration(c -> c.apiCallTimeout(HEALTH_TIMEOUT)));
            return true;
        } catch (SdkException e) {
            return false;
        }
    }

    /** Why the bucket does not answer, for the startup warning; empty when it does. */
    public Optional<String> problem() {
        try {
            call("reach bucket '" + settings.bucket() + "'", () -> client.headBucket(b -> b.bucket(settings.bucket())));
            return Optional.empty();
        } catch (StorageException e) {
            return Optional.of(e.getMessage());
        }
    }

    @Override
    public LifecycleOutcome applyLifecycle(int outputsExpireDays) {
        LifecycleRule ours = LifecycleRule.builder()
                .id(LIFECYCLE_RULE_ID)
                .filter(LifecycleRuleFilter.builder().prefix(ObjectKeys.OUTPUTS).build())
                .expiration(LifecycleExpiration.builder().days(outputsExpireDays).build())
                .status(ExpirationStatus.ENABLED)
                .build();
        List<LifecycleRule> current;
        try {
            current = call("read the lifecycle rules", () -> client.getBucketLifecycleConfiguration(
                    b -> b.bucket(settings.bucket())).rules());
        } catch (NotFound e) {
            current = List.of();
        } catch (Unsupported e) {
            return LifecycleOutcome.UNSUPPORTED;
        }
        if (current.stream().anyMatch(r -> sameRule(r, ours))) {
            return LifecycleOutcome.UNCHANGED;
        }
        List<LifecycleRule> rules = new ArrayList<>();
        current.stream().filter(r -> !LIFECYCLE_RULE_ID.equals(r.id())).forEach(rules::add);
        rules.add(ours);
        try {
            call("write the lifecycle rules", () -> client.putBucketLifecycleConfiguration(b -> b.bucket(settings.bucket())
                    .lifecycleConfiguration(BucketLifecycleConfiguration.builder().rules(rules).build())));
        } catch (Unsupported e) {
            return LifecycleOutcome.UNSUPPORTED;
        }
        return LifecycleOutcome.APPLIED;
    }

    /** Compared by what matters: stores echo rules back with defaults filled in, so equals() is too strict. */
    private static boolean sameRule(LifecycleRule a, LifecycleRule b) {
        return b.id().equals(a.id()) && a.status() == b.status()
                && a.filter() != null && b.filter().prefix().equals(a.filter().prefix())
                && a.expiration() != null && b.expiration().days().equals(a.expiration().days());
    }

    @Override
    public String kind() {
        return settings.kind();
    }

    public S3Settings settings() {
        return settings;
    }

    @Override
    public void close() {
        presigner.close();
        client.close();
    }

    private static URI toUri(java.net.URL url) {
        try {
            return url.toURI();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException("the presigner builds valid URLs", e);
        }
    }

    /**
     * Runs one S3 call and turns SDK failures into messages without credentials: the status and error
     * code the store answered, or that the endpoint is unreachable. SDK messages are not passed on.
     */
    private <T> T call(String what, java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (NoSuchKeyException e) {
            throw new NotFound();
        } catch (S3Exception e) {
            int status = e.statusCode();
            String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            if (status == 404 && ("NoSuchLifecycleConfiguration".equals(code) || code == null || "NoSuchKey".equals(code)
                    || "NotFound".equals(code))) {
                throw new NotFound();
            }
            if (status == 501) {
                throw new Unsupported();
            }
            throw new StorageException("the " + kind() + " store could not " + what + ": HTTP " + status
                    + (code == null ? "" : " " + code));
        } catch (SdkClientException e) {
            throw new StorageException("the " + kind() + " store at " + settings.endpoint().getHost()
                    + " could not be reached to " + what + " (" + rootCause(e) + ")");
        } catch (SdkException e) {
            throw new StorageException("the " + kind() + " store could not " + what + " ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    private static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName();
    }

    private static final class NotFound extends RuntimeException {
        NotFound() {
            super(null, null, false, false);
        }
    }

    private static final class Unsupported extends RuntimeException {
        Unsupported() {
            super(null, null, false, false);
        }
    }
}
