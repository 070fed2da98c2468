package dev.agentharness.runtime.sandbox.cloudflare;

import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.api.sandbox.ManifestEntry;
import dev.agentharness.api.sandbox.ManifestProblem;
import dev.agentharness.runtime.sandbox.CachedHealth;
import dev.agentharness.runtime.sandbox.OwnedSandbox;
import dev.agentharness.runtime.sandbox.ProviderLimits;
import dev.agentharness.runtime.sandbox.Sandbox;
import dev.agentharness.runtime.sandbox.SandboxException;
import dev.agentharness.runtime.sandbox.SandboxProvider;
import dev.agentharness.runtime.sandbox.SandboxSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Sandboxes on Cloudflare (Workers + Containers) through a user-deployed Sandbox bridge Worker
 * ({@code CLOUDFLARE_SANDBOX_WORKER_URL}, {@code CLOUDFLARE_SANDBOX_API_KEY}), speaking the HTTP API
 * the OpenAI Agents SDK's Cloudflare client uses.
 *
 * <p>The bridge API has no "list sandboxes" call, so {@link #owned()} is this process's own
 * registry: the reaper destroys what this replica created and lost track of, and after a harness
 * restart the Worker's own idle timeout ({@code sleepAfter}) is what ends orphans. Network policy
 * is the Worker's too (its container's outbound setting applies to every sandbox), so a manifest
 * that asks for specific egress hosts is refused rather than silently given all or nothing.
 */
public final class CloudflareSandboxProvider implements SandboxProvider {

    private static final Logger LOG = Logger.getLogger(CloudflareSandboxProvider.class);
    private static final Duration HEALTH_CACHE = Duration.ofSeconds(30);
    /** A sandbox id that is never created: {@code GET …/running} on it proves reachability and the key. */
    static final String HEALTH_PROBE_ID = "agent-harness-health-probe";

    private final CloudflareWorkerClient worker;
    private final Map<String, OwnedSandbox> registry = new ConcurrentHashMap<>();
    private final CachedHealth health = new CachedHealth(HEALTH_CACHE, this::workerAnswers);

    public CloudflareSandboxProvider(CloudflareSettings settings) {
        this.worker = new CloudflareWorkerClient(settings);
        if (settings.apiKey().isEmpty()) {
            LOG.warn("SANDBOX_PROVIDER=cloudflare without CLOUDFLARE_SANDBOX_API_KEY: requests to the Worker carry no "
                    + "Authorization header");
        }
        LOG.infof("Cloudflare sandboxes through the bridge Worker at %s", settings.workerUrl());
    }

    @Override
    public String name() {
        return "cloudflare";
    }

    @Override
    public List<ManifestProblem> unsupported(Manifest manifest) {
        List<ManifestProblem> problems = new ArrayList<>();
        if (!manifest.root().equals(CloudflareSandbox.ROOT)) {
            problems.add(new ManifestProblem("root", "the cloudflare provider only supports root /workspace "
                    + "(the Worker's persist and hydrate are fixed to it)"));
        }
        if (!manifest.network().egress().isEmpty()) {
            problems.add(new ManifestProblem("network.egress", "the cloudflare provider cannot apply a per-sandbox "
                    + "egress allowlist (the bridge Worker API has no network control; the Worker's container setting "
                    + "applies to every sandbox); remove network.egress or use the kubernetes or local provider"));
        }
        problems.addAll(ProviderLimits.gitReposUnsupported(manifest, name()));
        return problems;
    }

    @Override
    public Sandbox create(SandboxSpec spec) throws SandboxException {
        List<ManifestProblem> problems = unsupported(spec.manifest());
        if (!problems.isEmpty()) {
            throw new SandboxException(problems.getFirst().toString());
        }
        String id = worker.create();
        registry.put(id, new OwnedSandbox(id, spec.runId(), Instant.now().plus(spec.timeout())));
        CloudflareSandbox sandbox = new CloudflareSandbox(id, spec.runId(), worker, () -> destroy(id));
        try {
            TreeSet<String> directories = new TreeSet<>(List.of(CloudflareSandbox.ROOT));
            Map<String, byte[]> files = new LinkedHashMap<>();
            spec.manifest().entries().forEach((path, entry) -> {
                String absolute = CloudflareSandbox.ROOT + "/" + path;
                switch (entry) {
                    case ManifestEntry.Dir dir -> directories.add(absolute);
                    case ManifestEntry.File file -> {
                        directories.add(absolute.substring(0, absolute.lastIndexOf('/')));
                        files.put(absolute, file.content().getBytes(StandardCharsets.UTF_8));
                    }
                    // Filled by the sandbox plane through presigned links once the sandbox exists.
                    case ManifestEntry.BucketMount mount -> { }
                    default -> throw new IllegalStateException("checked by unsupported()");
                }
            });
            sandbox.materialise(List.copyOf(directories), files);
        } catch (SandboxException | RuntimeException e) {
            destroy(id);
            throw e instanceof SandboxException se ? se
                    : new SandboxException("could not provision the sandbox: " + e.getClass().getSimpleName(), e);
        }
        LOG.infof("sandbox %s created (cloudflare)", id);
        return sandbox;
    }

    @Override
    public boolean healthy() {
        return health.get();
    }

    private boolean workerAnswers() {
        int status = worker.probe(HEALTH_PROBE_ID);
        boolean ok = status == 200 || status == 404;
        // Logged when it turns bad (or is bad from the start), not on every cached probe.
        if (!ok && health.previous().orElse(true)) {
            LOG.warnf("Cloudflare sandbox Worker health check failed: %s",
                    status < 0 ? "unreachable" : "HTTP " + status + (status == 401 || status == 403
                            ? " (check CLOUDFLARE_SANDBOX_API_KEY)" : ""));
        }
        return ok;
    }

    @Override
    public List<OwnedSandbox> owned() {
        return List.copyOf(registry.values());
    }

    @Override
    public void destroy(String sandboxId) {
        try {
            worker.delete(sandboxId);
            registry.remove(sandboxId);
        } catch (SandboxException e) {
            // Kept in the registry: the reaper tries again on its next pass.
            LOG.warnf("could not destroy Cloudflare sandbox %s: %s", sandboxId, e.getMessage());
        }
    }
}
