package dev.agentharness.runtime.storage;

import io.opentelemetry.api.trace.Tracer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The harness's artifact storage, chosen once at boot: R2/S3 when its variables are complete,
 * otherwise the local directory. Misconfiguration is a warning (names of variables, never values)
 * and never stops the boot; the bucket check and the lifecycle rules run in the background so a
 * slow store cannot delay startup.
 */
@ApplicationScoped
public class Storage {

    private static final Logger LOG = Logger.getLogger(Storage.class);

    private final ArtifactStore store;
    private final Duration linkTtl;
    private final long maxInputBytes;
    private final boolean lifecycleEnabled;
    private final int outputsExpireDays;

    @Inject
    public Storage(@ConfigProperty(name = "harness.storage.r2.account-id") Optional<String> accountId,
                   @ConfigProperty(name = "harness.storage.r2.access-key-id") Optional<String> accessKeyId,
                   @ConfigProperty(name = "harness.storage.r2.secret-access-key") Optional<String> secretAccessKey,
                   @ConfigProperty(name = "harness.storage.r2.bucket") Optional<String> bucket,
                   @ConfigProperty(name = "harness.storage.s3-endpoint") Optional<String> endpoint,
                   @ConfigProperty(name = "harness.storage.s3-region") Optional<String> region,
                   @ConfigProperty(name = "harness.storage.signing-key") Optional<String> signingKey,
                   @ConfigProperty(name = "harness.storage.signing-key-previous") Optional<String> previousSigningKey,
                   @ConfigProperty(name = "harness.storage.public-url") Optional<String> publicUrl,
                   @ConfigProperty(name = "harness.data-dir") String dataDir,
                   @ConfigProperty(name = "harness.storage.url-ttl", defaultValue = "PT1H") Duration urlTtl,
                   @ConfigProperty(name = "harness.storage.url-ttl-max", defaultValue = "P7D") Duration urlTtlMax,
                   @ConfigProperty(name = "harness.storage.max-input-bytes", defaultValue = "10485760") long maxInputBytes,
                   @ConfigProperty(name = "harness.storage.lifecycle.enabled", defaultValue = "true") boolean lifecycleEnabled,
                   @ConfigProperty(name = "harness.storage.lifecycle.outputs-expire-days", defaultValue = "30")
                   int outputsExpireDays,
                   @ConfigProperty(name = "harness.storage.call-timeout", defaultValue = "PT20S") Duration callTimeout,
                   Tracer tracer) {
        this.linkTtl = clampTtl(urlTtl, urlTtlMax);
        this.maxInputBytes = maxInputBytes;
        this.lifecycleEnabled = lifecycleEnabled;
        this.outputsExpireDays = Math.max(1, outputsExpireDays);
        // Checked whichever store is chosen: a previous key without a current one is a half-done rotation.
        byte[] previousKey = SigningKeys.previous(previousSigningKey.orElse(null), signingKey.orElse(null));
        S3Settings.Resolution s3 = S3Settings.resolve(accountId.orElse(null), accessKeyId.orElse(null),
                secretAccessKey.orElse(null), bucket.orElse(null), endpoint.orElse(null), region.orElse(null));
        if (s3.settings().isPresent()) {
            this.store = new S3ArtifactStore(s3.settings().get(), callTimeout, tracer);
            LOG.infof("Artifacts on %s: bucket '%s' at %s", store.kind(), s3.settings().get().bucket(),
                    s3.settings().get().endpoint());
        } else {
            if (!s3.problems().isEmpty()) {
                LOG.warnf("R2 storage is not usable (%s); artifacts go to the local store under %s/artifacts and "
                        + "/health reports r2:false", String.join("; ", s3.problems()), dataDir);
            }
            Path root = Path.of(dataDir).resolve("artifacts");
            byte[] key = SigningKeys.load(signingKey.orElse(null), root);
            this.store = new LocalArtifactStore(root, new LinkSigner(key, previousKey, Clock.systemUTC()),
                    publicUrl.filter(s -> !s.isBlank()).map(URI::create).orElse(null), tracer);
        }
    }

    void onStart(@Observes StartupEvent event,
                 @ConfigProperty(name = "harness.role", defaultValue = "serve") String role) {
        if ("job".equals(role)) {
            return; // the bucket's lifecycle rule is the serving replicas' business, not a one-shot job's
        }
        Thread.ofVirtual().name("storage-startup").start(this::checkAndApplyLifecycle);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (store instanceof S3ArtifactStore s3) {
            s3.close();
        }
    }

    private void checkAndApplyLifecycle() {
        try {
            if (store instanceof S3ArtifactStore s3) {
                Optional<String> problem = s3.problem();
                if (problem.isPresent()) {
                    LOG.warnf("%s; /health reports r2:false and saved artifacts will fail until it answers "
                            + "(check R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY and R2_BUCKET)", problem.get());
                    return;
                }
            }
            if (lifecycleEnabled) {
                LifecycleOutcome outcome = store.applyLifecycle(outputsExpireDays);
                switch (outcome) {
                    case UNSUPPORTED -> LOG.warnf("the %s store does not support lifecycle rules: outputs/ will not "
                            + "expire by themselves", store.kind());
                    case APPLIED, UNCHANGED -> LOG.infof("lifecycle: outputs/ expire after %d days, knowledge/ never (%s)",
                            outputsExpireDays, outcome.name().toLowerCase());
                }
            }
        } catch (StorageException e) {
            LOG.warnf("storage startup check: %s", e.getMessage());
        } catch (RuntimeException e) {
            LOG.warnf("storage startup check failed (%s)", e.getClass().getSimpleName());
        }
    }

    public ArtifactStore store() {
        return store;
    }

    /** The bucket of an R2/S3 store; empty for the local store. */
    public Optional<String> bucket() {
        return store instanceof S3ArtifactStore s3 ? Optional.of(s3.settings().bucket()) : Optional.empty();
    }

    /** How long links in API responses live ({@code harness.storage.url-ttl}, capped by the maximum). */
    public Duration linkTtl() {
        return linkTtl;
    }

    public long maxInputBytes() {
        return maxInputBytes;
    }

    static Duration clampTtl(Duration ttl, Duration max) {
        Duration cap = max.compareTo(ArtifactStore.MAX_LINK_TTL) > 0 ? ArtifactStore.MAX_LINK_TTL : max;
        if (ttl.compareTo(cap) > 0) {
            LOG.warnf("harness.storage.url-ttl %s is above the maximum %s; using the maximum", ttl, cap);
            return cap;
        }
        if (ttl.isNegative() || ttl.isZero()) {
            LOG.warnf("harness.storage.url-ttl %s is not positive; using 1 hour", ttl);
            return Duration.ofHours(1);
        }
        return ttl;
    }
}
