package dev.agentharness.runtime.sandbox;

import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.api.sandbox.ManifestProblem;
import dev.agentharness.runtime.agent.FunctionTool;
import dev.agentharness.runtime.sandbox.e2b.E2bConfig;
import dev.agentharness.runtime.sandbox.cloudflare.CloudflareSandboxProvider;
import dev.agentharness.runtime.sandbox.cloudflare.CloudflareSettings;
import dev.agentharness.runtime.sandbox.kubernetes.KubernetesSandboxProvider;
import dev.agentharness.runtime.sandbox.kubernetes.KubernetesSandboxSettings;
import dev.agentharness.runtime.sandbox.local.LocalSandboxProvider;
import dev.agentharness.runtime.sandbox.local.LocalSandboxSettings;
import dev.agentharness.runtime.storage.PresignedTransfer;
import dev.agentharness.runtime.storage.Storage;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import io.opentelemetry.api.trace.Tracer;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The harness's view of the execution plane: which provider {@code SANDBOX_PROVIDER} selected (if
 * any), the sandboxes of the runs executing in this process, and their tools.
 */
@ApplicationScoped
public class SandboxPlane {

    private static final Logger LOG = Logger.getLogger(SandboxPlane.class);
    /** Providers this build has. */
    static final List<String> AVAILABLE = List.of("local", "e2b", "kubernetes", "cloudflare");

    private final Optional<SandboxProvider> provider;
    private final Optional<BucketMounts> mounts;
    private final Duration defaultTimeout;
    private final Duration maxExec;
    private final SnapshotStore snapshots;
    private final SandboxSpans spans;
    private final SandboxCheckpoints checkpoints;
    private final Set<String> active = ConcurrentHashMap.newKeySet();
    private final Map<String, BucketMounts.RunMounts> runMounts = new ConcurrentHashMap<>();

    @Inject
    public SandboxPlane(@ConfigProperty(name = "harness.sandbox.provider") Optional<String> providerName,
                        @ConfigProperty(name = "harness.data-dir") String dataDir,
                        @ConfigProperty(name = "harness.sandbox.timeout-seconds") int timeoutSeconds,
                        @ConfigProperty(name = "harness.sandbox.exec-max-seconds") int execMaxSeconds,
                        @ConfigProperty(name = "harness.sandbox.mount-max-objects", defaultValue = "1000") int mountMaxObjects,
                        @ConfigProperty(name = "harness.sandbox.mount-max-bytes", defaultValue = "104857600") long mountMaxBytes,
                        @ConfigProperty(name = "harness.sandbox.mount-max-run-bytes", defaultValue = "268435456") long mountMaxRunBytes,
                        @ConfigProperty(name = "harness.sandbox.snapshot-max-bytes") long snapshotMaxBytes,
                        @ConfigProperty(name = "harness.sandbox.snapshot-total-max-bytes") long snapshotTotalMaxBytes,
                        Storage storage, E2bConfig e2b, MeterRegistry metrics,
                        Tracer tracer) {
        this(select(providerName.map(String::strip).filter(name -> !name.isEmpty()), Path.of(dataDir), e2b)
                        .map(selected -> MeteredSandboxProvider.wrap(selected, metrics)),
                Optional.of(new BucketMounts(storage.store(), storage.bucket(),
                        new PresignedTransfer(storage.store(), Duration.ofSeconds(60)),
                        new BucketMounts.Limits(mountMaxObjects, mountMaxBytes, mountMaxRunBytes,
                                Duration.ofMinutes(5)))),
                Duration.ofSeconds(timeoutSeconds), Duration.ofSeconds(execMaxSeconds),
                SnapshotStore.open(Path.of(dataDir).resolve("snapshots"), snapshotMaxBytes, snapshotTotalMaxBytes),
                new StoredCheckpoints(storage.store()), new SandboxSpans(tracer));
    }

    /** A plane without artifact storage (it refuses bucket mounts), for tests and tools. */
    public SandboxPlane(Optional<String> providerName, String dataDir, int timeoutSeconds, int execMaxSeconds,
                        E2bConfig e2b) {
        this(select(providerName.map(String::strip).filter(name -> !name.isEmpty()), Path.of(dataDir), e2b),
                Duration.ofSeconds(timeoutSeconds), Duration.ofSeconds(execMaxSeconds));
    }

    public SandboxPlane(Optional<SandboxProvider> provider, Duration defaultTimeout, Duration maxExec) {
        this(provider, Optional.empty(), defaultTimeout, maxExec);
    }

    /** @param mounts how bucket mounts are materialised; empty = a harness without storage, which refuses them */
    public SandboxPlane(Optional<SandboxProvider> provider, Optional<BucketMounts> mounts, Duration defaultTimeout,
                        Duration maxExec) {
        this(provider, mounts, defaultTimeout, maxExec, null);
    }

    /** @param snapshots the runs' snapshot files; null = {@link SnapshotStore#temporary()} once a run needs one */
    public SandboxPlane(Optional<SandboxProvider> provider, Optional<BucketMounts> mounts, Duration defaultTimeout,
                        Duration maxExec, SnapshotStore snapshots) {
        this(provider, mounts, defaultTimeout, maxExec, snapshots, SandboxCheckpoints.NONE);
    }

    /** @param checkpoints where runs' durable workspace checkpoints live (for resuming on another replica) */
    public SandboxPlane(Optional<SandboxProvider> provider, Optional<BucketMounts> mounts, Duration defaultTimeout,
                        Duration maxExec, SnapshotStore snapshots, SandboxCheckpoints checkpoints) {
        this(provider, mounts, defaultTimeout, maxExec, snapshots, checkpoints, SandboxSpans.NONE);
    }

    /** @param spans traces the runs' sandbox work (provisioning, tool operations, snapshots) */
    public SandboxPlane(Optional<SandboxProvider> provider, Optional<BucketMounts> mounts, Duration defaultTimeout,
                        Duration maxExec, SnapshotStore snapshots, SandboxCheckpoints checkpoints, SandboxSpans spans) {
        this.spans = spans;
        this.snapshots = snapshots;
        this.checkpoints = checkpoints;
        this.provider = provider;
        this.mounts = mounts;
        this.defaultTimeout = defaultTimeout;
        this.maxExec = maxExec;
        provider.ifPresent(p -> LOG.infof("Sandbox provider: %s", p.name()));
    }

    private static Optional<SandboxProvider> select(Optional<String> name, Path dataDir, E2bConfig e2b) {
        if (name.isEmpty()) {
            return Optional.empty();
        }
        return switch (name.get()) {
            case "local" -> Optional.of(new LocalSandboxProvider(dataDir.resolve("sandboxes"),
                    LocalSandboxSettings.from(config())));
            case "e2b" -> Optional.of(e2b.provider());
            case "kubernetes" -> Optional.of(KubernetesSandboxProvider.connect(KubernetesSandboxSettings.from(config())));
            case "cloudflare" -> Optional.of(new CloudflareSandboxProvider(CloudflareSettings.resolve(
                    config().getOptionalValue("harness.sandbox.cloudflare.worker-url", String.class),
                    config().getOptionalValue("harness.sandbox.cloudflare.api-key", String.class))));
            default -> throw new IllegalStateException("SANDBOX_PROVIDER='" + name.get()
                    + "' is not available in this version of the harness (available: " + String.join(", ", AVAILABLE)
                    + "; unset it for no sandbox)");
        };
    }

    /** Provider settings are read only for the provider that was selected. */
    private static Config config() {
        return ConfigProvider.getConfig();
    }

    public Optional<SandboxProvider> provider() {
        return provider;
    }

    /** True only when a provider is configured and its check passes now. */
    public boolean healthy() {
        return provider.map(SandboxProvider::healthy).orElse(false);
    }

    /** What the provider cannot provision, and mounts this harness cannot serve. */
    public List<ManifestProblem> unsupported(Manifest manifest) {
        List<ManifestProblem> problems = new ArrayList<>(provider.map(p -> p.unsupported(manifest)).orElse(List.of()));
        if (mounts.isPresent()) {
            problems.addAll(mounts.get().problems(manifest));
        } else if (BucketMounts.any(manifest)) {
            problems.add(new ManifestProblem("entries", "this harness has no artifact storage to mount"));
        }
        return problems;
    }

    /**
     * Capabilities replace the default list (SDK semantics): a manifest that names some but leaves
     * out {@code filesystem} or {@code shell} silently loses those tools — say so in the log.
     */
    public static void warnAboutDroppedCapabilities(Manifest manifest) {
        List<String> dropped = List.of("filesystem", "shell").stream().filter(c -> !manifest.hasCapability(c)).toList();
        if (!dropped.isEmpty()) {
            LOG.warnf("manifest capabilities %s replace the default %s and drop %s: the model gets no %s tools",
                    manifest.capabilities(), Manifest.DEFAULT_CAPABILITIES, dropped, String.join("/", dropped));
        }
    }

    /**
     * Provisions the run's sandbox; it counts as active (never reaped) until {@link #close}.
     *
     * @param sessionPath the run's session as {@link dev.agentharness.runtime.storage.ObjectKeys#sessionPath}
     *                    (principal-scoped): what {@code {session_id}} stands for in mount prefixes
     */
    public RunSandbox open(String runId, String sessionPath, Manifest manifest, Integer runTimeoutSeconds)
            throws SandboxException {
        return open(runId, sessionPath, manifest, runTimeoutSeconds, Optional.empty());
    }

    /**
     * Like {@link #open(String, String, Manifest, Integer)}; with {@code resumeFrom}, the fresh sandbox's workspace is
     * that checkpoint of the run (the call id of the last recorded output of a workspace-changing sandbox tool)
     * instead of a newly prepared one. A checkpoint that is not stored or cannot be read is a
     * {@link SandboxException} saying so.
     */
    public RunSandbox open(String runId, String sessionPath, Manifest manifest, Integer runTimeoutSeconds,
                           Optional<String> resumeFrom) throws SandboxException {
        SandboxProvider p = provider.orElseThrow(() -> new SandboxException("no sandbox provider is configured"));
        Duration timeout = runTimeoutSeconds == null ? defaultTimeout
                // A little beyond the run's own limit, so the run's finally, not the reaper, destroys it.
                : Duration.ofSeconds(runTimeoutSeconds).plusMinutes(5);
        SandboxSpec spec = new SandboxSpec(runId, sessionPath == null ? "" : sessionPath, manifest, timeout);
        // Active before it exists: the reaper must not take a sandbox that is being created.
        active.add(runId);
        try {
            if (mounts.isPresent() && BucketMounts.any(manifest)) {
                // A resumed run's mounts know nothing of what was downloaded: its writable mounts upload every file.
                BucketMounts.RunMounts forRun = mounts.get().forRun(spec);
                RunSandbox sandbox = provision(p, spec, forRun::materialise, resumeFrom);
                runMounts.put(runId, forRun);
                return sandbox;
            }
            return provision(p, spec, RunSandbox.Preparation.NONE, resumeFrom);
        } catch (SandboxException | RuntimeException e) {
            active.remove(runId);
            throw e;
        }
    }

    /**
     * The end of a run, before {@link #close}: uploads the new and changed files of its writable
     * mounts. Never throws; what failed is in the result.
     */
    public BucketMounts.Uploads finish(String runId, RunSandbox sandbox) {
        BucketMounts.RunMounts forRun = runMounts.get(runId);
        return forRun == null ? BucketMounts.Uploads.NONE : forRun.uploadChanges(sandbox);
    }

    private RunSandbox provision(SandboxProvider p, SandboxSpec spec, RunSandbox.Preparation preparation,
                                 Optional<String> resumeFrom) throws SandboxException {
        return resumeFrom.isPresent()
                ? RunSandbox.resume(p, spec, preparation, snapshots(), checkpoints, resumeFrom.get(), spans)
                : RunSandbox.provision(p, spec, preparation, snapshots(), checkpoints, spans);
    }

    /** The end of a run: destroys its sandbox and deletes its checkpoints. */
    public void close(String runId, RunSandbox sandbox) {
        close(runId, sandbox, false);
    }

    /**
     * Destroys the run's sandbox. {@code keepCheckpoints}: the run did not end here — its lease was lost or it was
     * released to the queue — and the replica that continues it needs its checkpoints; otherwise they are deleted.
     */
    public void close(String runId, RunSandbox sandbox, boolean keepCheckpoints) {
        try {
            sandbox.close();
        } finally {
            runMounts.remove(runId);
            active.remove(runId);
            if (!keepCheckpoints) {
                checkpoints.deleteRun(runId);
            }
        }
    }

    /**
     * Deletes the checkpoints of a run that ended without its executor closing a sandbox — failed by the lease sweep
     * after its last replica died — so no workspace archive outlives it. Failures are logged.
     */
    public void discardCheckpoints(String runId) {
        checkpoints.deleteRun(runId);
    }

    private SnapshotStore snapshots() {
        return snapshots == null ? SnapshotStore.temporary() : snapshots;
    }

    /** Runs whose sandbox this process is using right now. */
    public Set<String> activeRuns() {
        return Set.copyOf(active);
    }

    public List<FunctionTool> tools(RunSandbox sandbox) {
        return SandboxTools.bound(sandbox, maxExec);
    }
}
