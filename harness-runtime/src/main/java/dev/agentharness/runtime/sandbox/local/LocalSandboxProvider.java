package dev.agentharness.runtime.sandbox.local;

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
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.security.SecureRandom;
import org.jboss.logging.Logger;

/**
 * Sandboxes on this machine with bubblewrap — for laptops, CI and single-node installs. Each
 * sandbox is {@code <base>/<id>/workspace} (bound at the manifest root) beside
 * {@code <base>/<id>/sandbox.properties} (its run and expiry, for the reaper; never visible inside).
 */
public final class LocalSandboxProvider implements SandboxProvider {

    private static final Logger LOG = Logger.getLogger(LocalSandboxProvider.class);
    private static final SecureRandom IDS = new SecureRandom();
    private static final String OWNER_FILE = "sandbox.properties";
    private static final Duration HEALTH_CACHE = Duration.ofSeconds(10);

    /** Host paths bwrap itself lays out; a workspace root there would shadow or be shadowed by them. */
    private static final List<String> RESERVED_ROOTS = List.of("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32",
            "/etc", "/proc", "/dev", "/tmp");

    private final Path base;
    private final Optional<Bubblewrap> bubblewrap;
    private final CachedHealth health = new CachedHealth(HEALTH_CACHE, this::startsASandbox);

    public LocalSandboxProvider(Path base) {
        this(base, LocalSandboxSettings.DEFAULTS);
    }

    public LocalSandboxProvider(Path base, LocalSandboxSettings limits) {
        this(base, Bubblewrap.locate(), limits);
    }

    LocalSandboxProvider(Path base, Optional<Path> bwrap, LocalSandboxSettings limits) {
        this.base = base.toAbsolutePath().normalize();
        this.bubblewrap = bwrap.flatMap(executable -> prepare(executable, limits, this.base));
        if (bwrap.isEmpty()) {
            LOG.warn("SANDBOX_PROVIDER=local but 'bwrap' is not on the PATH: install bubblewrap "
                    + "(apt-get install bubblewrap); runs with a manifest will fail until then");
        }
    }

    private static Optional<Bubblewrap> prepare(Path executable, LocalSandboxSettings limits, Path base) {
        try {
            return Optional.of(Bubblewrap.prepare(executable, limits, base));
        } catch (IOException e) {
            LOG.errorf("local sandboxes are unavailable: %s", e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public List<ManifestProblem> unsupported(Manifest manifest) {
        List<ManifestProblem> problems = new ArrayList<>(
                ProviderLimits.reservedRoot(manifest, name(), RESERVED_ROOTS, "place the workspace under"));
        if (!manifest.network().egress().isEmpty()) {
            // Sharing the host's network would hand the sandbox the harness's loopback (its HTTP port, the embedded
            // PostgreSQL) and the cloud metadata address; bwrap has no per-host filter to offer instead.
            problems.add(new ManifestProblem("network.egress", "the local provider gives sandboxes no network; "
                    + "remove network.egress or use a provider that enforces an allowlist (e2b, or kubernetes with "
                    + "SANDBOX_K8S_EGRESS_CIDRS)"));
        }
        problems.addAll(ProviderLimits.gitReposUnsupported(manifest, name()));
        return problems;
    }

    @Override
    public Sandbox create(SandboxSpec spec) throws SandboxException {
        Bubblewrap bwrap = bubblewrap.orElseThrow(() -> new SandboxException(
                "the local sandbox provider needs bubblewrap ('bwrap'), which is not installed on this harness"));
        List<ManifestProblem> problems = unsupported(spec.manifest());
        if (!problems.isEmpty()) {
            throw new SandboxException(problems.getFirst().toString());
        }
        String id = "sbx-" + HexFormat.of().formatHex(randomBytes());
        Path home = base.resolve(id);
        LocalSandbox sandbox = new LocalSandbox(id, spec.runId(), home, spec.manifest().root(), bwrap);
        try {
            Files.createDirectories(sandbox.workspace());
            bwrap.handOver(sandbox.workspace(), sandbox.workspace());
            writeOwner(home, spec.runId(), Instant.now().plus(spec.timeout()));
            materialise(sandbox, bwrap, spec.manifest());
        } catch (IOException | SandboxException | RuntimeException e) {
            deleteTree(home);
            if (e instanceof SandboxException se) {
                throw se;
            }
            throw new SandboxException("could not provision the sandbox: " + e.getClass().getSimpleName(), e);
        }
        LOG.infof("sandbox %s created (local, no network)", id);
        return sandbox;
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[8];
        IDS.nextBytes(bytes);
        return bytes;
    }

    /** Entries are written from the host into a directory nothing else has touched yet: no symlink can be in the way. */
    private static void materialise(LocalSandbox sandbox, Bubblewrap bwrap, Manifest manifest) throws IOException, SandboxException {
        for (Map.Entry<String, ManifestEntry> e : manifest.entries().entrySet()) {
            Path target = sandbox.workspace().resolve(e.getKey());
            switch (e.getValue()) {
                case ManifestEntry.Dir dir -> {
                    Files.createDirectories(target);
                    bwrap.handOver(sandbox.workspace(), target);
                }
                case ManifestEntry.File file -> {
                    Files.createDirectories(target.getParent());
                    Files.writeString(target, file.content(), StandardCharsets.UTF_8);
                    bwrap.handOver(sandbox.workspace(), target);
                }
                // Filled by the sandbox plane through presigned links once the sandbox exists.
                case ManifestEntry.BucketMount mount -> { }
                default -> throw new SandboxException("entries['" + e.getKey() + "']: " + e.getValue().type()
                        + " is not supported by the local provider");
            }
        }
    }

    @Override
    public boolean healthy() {
        return health.get();
    }

    private boolean startsASandbox() {
        boolean ok = false;
        if (bubblewrap.isPresent()) {
            try {
                Files.createDirectories(base);
                Path probe = Files.createTempDirectory(base, "health-");
                try {
                    bubblewrap.get().handOver(probe, probe);
                    ok = ProcessRunner.run(bubblewrap.get().command(probe, "/workspace", "/workspace",
                            List.of("/bin/sh", "-c", "true")), null, Duration.ofSeconds(10), 1024).exitCode() == 0;
                } finally {
                    deleteTree(probe);
                }
            } catch (IOException | RuntimeException e) {
                LOG.warnf("local sandbox health check failed: %s", e.getClass().getSimpleName());
            }
        }
        return ok;
    }

    @Override
    public List<OwnedSandbox> owned() {
        List<OwnedSandbox> owned = new ArrayList<>();
        if (!Files.isDirectory(base)) {
            return owned;
        }
        try (DirectoryStream<Path> homes = Files.newDirectoryStream(base, "sbx-*")) {
            for (Path home : homes) {
                Properties owner = new Properties();
                try (Reader in = Files.newBufferedReader(home.resolve(OWNER_FILE))) {
                    owner.load(in);
                    owned.add(new OwnedSandbox(home.getFileName().toString(), owner.getProperty("run_id"),
                            Instant.parse(owner.getProperty("expires_at"))));
                } catch (IOException | RuntimeException e) {
                    // Half-created (crash during create): no run can use it, so it is an orphan.
                    owned.add(new OwnedSandbox(home.getFileName().toString(), null, Instant.EPOCH));
                }
            }
        } catch (IOException e) {
            LOG.warnf("cannot list local sandboxes: %s", e.getClass().getSimpleName());
        }
        return owned;
    }

    @Override
    public void destroy(String sandboxId) {
        if (!sandboxId.matches("sbx-[0-9a-f]+")) {
            throw new IllegalArgumentException("not a local sandbox id");
        }
        deleteTree(base.resolve(sandboxId));
    }

    private static void writeOwner(Path home, String runId, Instant expiresAt) throws IOException {
        Properties owner = new Properties();
        owner.setProperty("run_id", runId);
        owner.setProperty("expires_at", expiresAt.toString());
        try (Writer out = Files.newBufferedWriter(home.resolve(OWNER_FILE))) {
            owner.store(out, "agent harness sandbox");
        }
    }

    /** Deletes without following symlinks: a link the sandbox made to a host path only loses the link. */
    static void deleteTree(Path path) {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(path, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.warnf("could not delete sandbox files: %s", e.getClass().getSimpleName());
        }
    }
}
