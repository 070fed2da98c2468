package dev.agentharness.runtime.sandbox.e2b;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Sandboxes on E2B (SPEC §8): Firecracker microVMs created through the REST control plane, driven
 * through envd inside them. Each sandbox is created with an explicit {@code timeout} (E2B's default
 * is 15 s), {@code secure: true} (envd then demands a per-sandbox token), internet access only when
 * the manifest asks for egress (then limited to its hosts), metadata naming this harness and the
 * run (so {@link #owned()} finds them), and <b>no</b> {@code envVars}: nothing of the harness's
 * environment reaches the VM.
 */
public final class E2bSandboxProvider implements SandboxProvider {

    private static final Logger LOG = Logger.getLogger(E2bSandboxProvider.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Metadata keys on every sandbox this harness creates. */
    static final String OWNER_KEY = "harness";
    static final String RUN_KEY = "run_id";
    /** Octet-stream uploads to {@code /files} need envd 0.5.7. */
    static final String MIN_ENVD = "0.5.7";
    private static final Duration HEALTH_CACHE = Duration.ofSeconds(5);
    private static final Duration PROVISION_TIMEOUT = Duration.ofMinutes(5);
    /** System directories: a workspace there would be wiped by a restore or shadow the VM's own files. */
    private static final List<String> RESERVED_ROOTS = List.of("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32",
            "/etc", "/proc", "/sys", "/dev", "/run", "/boot", "/tmp", "/var");

    private final E2bSettings settings;
    private final HttpClient http;
    private final ControlPlaneClient control;
    private final CachedHealth health = new CachedHealth(HEALTH_CACHE, this::controlPlaneAnswers);

    public E2bSandboxProvider(E2bSettings settings) {
        this(settings, HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                // HTTP/2 over TLS (E2B), plain HTTP/1.1 for a local or self-hosted http:// endpoint.
                .version("https".equals(settings.apiUrl().getScheme()) ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
                .build());
    }

    E2bSandboxProvider(E2bSettings settings, HttpClient http) {
        this.settings = settings;
        this.http = http;
        this.control = new ControlPlaneClient(http, settings);
    }

    @Override
    public String name() {
        return "e2b";
    }

    @Override
    public List<ManifestProblem> unsupported(Manifest manifest) {
        return ProviderLimits.reservedRoot(manifest, name(), RESERVED_ROOTS, "place the workspace under");
    }

    @Override
    public Sandbox create(SandboxSpec spec) throws SandboxException {
        List<ManifestProblem> problems = unsupported(spec.manifest());
        if (!problems.isEmpty()) {
            throw new SandboxException(problems.getFirst().toString());
        }
        Instant expiresAt = Instant.now().plus(spec.timeout());
        ControlPlaneClient.SandboxInfo info = control.create(createBody(spec));
        E2bSandbox sandbox = new E2bSandbox(info, spec.runId(), spec.manifest().root(), expiresAt, control, this::envd);
        try {
            if (compareVersions(info.envdVersion(), MIN_ENVD) < 0) {
                throw new SandboxException("template '" + settings.template() + "' runs envd " + info.envdVersion()
                        + "; the harness needs " + MIN_ENVD + " or newer (rebuild the template)");
            }
            materialise(sandbox, spec.manifest());
        } catch (SandboxException | RuntimeException e) {
            sandbox.destroy();
            throw e;
        }
        LOG.infof("sandbox %s created (e2b, template %s, egress %s)", info.sandboxId(), settings.template(),
                spec.manifest().network().egress().isEmpty() ? "none" : spec.manifest().network().egress());
        return sandbox;
    }

    /** The {@code NewSandbox} body. Field casing is E2B's own mix (templateID, allow_internet_access). */
    ObjectNode createBody(SandboxSpec spec) {
        ObjectNode body = JSON.createObjectNode()
                .put("templateID", settings.template())
                .put("timeout", ControlPlaneClient.seconds(spec.timeout()))
                .put("secure", true);
        List<String> egress = spec.manifest().network().egress();
        body.put("allow_internet_access", !egress.isEmpty());
        if (!egress.isEmpty()) {
            // Allowed entries take precedence over denied ones: everything is denied except the manifest's hosts.
            ObjectNode network = body.putObject("network");
            egress.forEach(network.putArray("allowOut")::add);
            network.putArray("denyOut").add("0.0.0.0/0");
        }
        body.putObject("metadata").put(OWNER_KEY, settings.owner()).put(RUN_KEY, spec.runId());
        return body;
    }

    /** The root is made by root (the VM is the boundary); files go through /files, repositories are cloned inside. */
    private static void materialise(E2bSandbox sandbox, Manifest manifest) throws SandboxException {
        List<String> dirs = new ArrayList<>(List.of(manifest.root()));
        for (Map.Entry<String, ManifestEntry> e : manifest.entries().entrySet()) {
            if (e.getValue() instanceof ManifestEntry.Dir) {
                dirs.add(manifest.root() + "/" + e.getKey());
            }
        }
        List<String> mkdir = new ArrayList<>(List.of("mkdir", "-p", "--"));
        mkdir.addAll(dirs);
        sandbox.provision(mkdir, PROVISION_TIMEOUT, "creating the workspace");
        for (Map.Entry<String, ManifestEntry> e : manifest.entries().entrySet()) {
            String target = manifest.root() + "/" + e.getKey();
            switch (e.getValue()) {
                case ManifestEntry.Dir dir -> { }
                case ManifestEntry.File file -> sandbox.upload(target, file.content().getBytes(StandardCharsets.UTF_8));
                case ManifestEntry.GitRepo repo -> sandbox.provision(GitClone.command(repo, target), PROVISION_TIMEOUT,
                        "entries['" + e.getKey() + "']: cloning " + repo.host() + "/" + repo.repo());
                // Filled by the sandbox plane through presigned links once the sandbox exists.
                case ManifestEntry.BucketMount mount -> { }
            }
        }
    }

    private EnvdClient envd(ControlPlaneClient.SandboxInfo info) {
        return new EnvdClient(http, settings.envdUrl(info.sandboxId(), info.domain()), info.sandboxId(), info.accessToken());
    }

    /** The control plane answers an authenticated call; cached for a few seconds. Never throws. */
    @Override
    public boolean healthy() {
        return health.get();
    }

    private boolean controlPlaneAnswers() {
        try {
            control.ping();
            return true;
        } catch (E2bException e) {
            LOG.warnf("E2B health check failed: %s", e.getMessage());
            return false;
        }
    }

    @Override
    public List<OwnedSandbox> owned() {
        try {
            List<OwnedSandbox> owned = new ArrayList<>();
            for (ControlPlaneClient.SandboxInfo info : control.list(Map.of(OWNER_KEY, settings.owner()))) {
                owned.add(new OwnedSandbox(info.sandboxId(), info.metadata().get(RUN_KEY),
                        info.endAt() == null ? Instant.EPOCH : info.endAt()));
            }
            return owned;
        } catch (E2bException e) {
            // The reaper retries on its next pass; an exception here would only end this one early.
            throw new IllegalStateException("cannot list E2B sandboxes: " + e.getMessage());
        }
    }

    @Override
    public void destroy(String sandboxId) {
        try {
            control.kill(sandboxId);
        } catch (E2bException e) {
            LOG.warnf("E2B sandbox %s: kill failed (%s)", sandboxId, e.getMessage());
        }
    }

    /** Pauses a sandbox (operations and tests); the next {@code alive()} of its {@link Sandbox} resumes it. */
    void pause(String sandboxId) throws SandboxException {
        control.pause(sandboxId);
    }

    static int compareVersions(String a, String b) {
        String[] left = a.split("[.-]");
        String[] right = b.split("[.-]");
        for (int i = 0; i < 3; i++) {
            int l = i < left.length && left[i].matches("\\d+") ? Integer.parseInt(left[i]) : 0;
            int r = i < right.length && right[i].matches("\\d+") ? Integer.parseInt(right[i]) : 0;
            if (l != r) {
                return Integer.compare(l, r);
            }
        }
        return 0;
    }
}
