package dev.agentharness.runtime.runs;

import dev.agentharness.api.HealthResponse;
import dev.agentharness.runtime.sandbox.CachedHealth;
import dev.agentharness.runtime.sandbox.SandboxPlane;
import dev.agentharness.runtime.state.Database;
import dev.agentharness.runtime.storage.Storage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Duration;
import java.time.Instant;

/**
 * The body of {@code GET /health} (served by {@code api/RunsResource}): what this harness is connected to. A backend reads true only when it is
 * configured (not an embedded default) and answers right now; the answer is cached for two
 * seconds so load balancers polling it never queue behind a slow database.
 */
@ApplicationScoped
public class HealthReport {

    private static final Duration CACHE = Duration.ofSeconds(2);
    private static final Duration PING_TIMEOUT = Duration.ofMillis(800);

    private final Database database;
    private final String model;
    private volatile HealthResponse cached;
    private volatile Instant cachedAt = Instant.EPOCH;
    private final SandboxPlane sandboxes;
    private final Storage storage;
    /** The artifact store's probe (HeadBucket for R2/S3), shared by /health and the object_store_up metric. */
    private final CachedHealth storeHealth;

    @Inject
    public HealthReport(Database database, @ConfigProperty(name = "harness.model.default") String model,
                        SandboxPlane sandboxes, Storage storage) {
        this.sandboxes = sandboxes;
        this.storage = storage;
        this.storeHealth = new CachedHealth(CACHE, () -> storeAnswers(storage));
        this.database = database;
        this.model = model;
    }

    public HealthResponse health() {
        if (cached == null || Instant.now().isAfter(cachedAt.plus(CACHE))) {
            boolean postgres = database.external() && database.ping(PING_TIMEOUT);
            // r2: a configured R2/S3 store whose bucket answers HeadBucket now; the local store never counts.
            boolean r2 = storage.store().remote() && storeHealth.get();
            cached = new HealthResponse("ok", model, new HealthResponse.Backends(postgres,
                    sandboxes != null && sandboxes.healthy(), r2));
            cachedAt = Instant.now();
        }
        return cached;
    }

    /** Whether the artifact store (remote or local) answered its last probe; probes at most once per cache window. */
    public boolean objectStoreAnswers() {
        return storeHealth.get();
    }

    private static boolean storeAnswers(Storage storage) {
        try {
            return storage.store().healthy();
        } catch (RuntimeException e) {
            return false;
        }
    }
}
