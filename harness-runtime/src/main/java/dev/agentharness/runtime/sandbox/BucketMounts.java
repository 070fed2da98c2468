package dev.agentharness.runtime.sandbox;

import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.api.sandbox.ManifestEntry;
import dev.agentharness.api.sandbox.ManifestProblem;
import dev.agentharness.runtime.storage.ArtifactStore;
import dev.agentharness.runtime.storage.Digests;
import dev.agentharness.runtime.storage.ObjectKeys;
import dev.agentharness.runtime.storage.PresignedTransfer;
import dev.agentharness.runtime.storage.StorageException;
import dev.agentharness.runtime.storage.StoredObject;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * {@code r2_mount} / {@code s3_mount} entries without credentials (SPEC §8): the harness lists the
 * mount's prefix with its own storage access, then moves every object through a short-lived
 * presigned link — GET into the workspace when the sandbox is provisioned, PUT of new or changed
 * files of a writable mount when the run ends. The bytes cross the boundary through the
 * provider's file API; no key, secret or presigned URL (which carries the access key id) ever
 * does, on any provider.
 *
 * <p>Which prefixes a run may mount is decided here, before the run is written: its own session's
 * inputs ({@code inputs/{session_id}/…}), its own outputs ({@code outputs/{run_id}/…}), and, read
 * only, the shared {@code knowledge/}. The placeholders are filled by the harness —
 * {@code {session_id}} with the principal-scoped {@link SandboxSpec#sessionPath()} — so a run cannot
 * name another session's, another principal's or another run's objects.
 */
public final class BucketMounts {

    private static final Logger LOG = Logger.getLogger(BucketMounts.class);
    private static final String SESSION_INPUTS = ObjectKeys.INPUTS + "{session_id}";
    private static final String RUN_OUTPUTS = ObjectKeys.OUTPUTS + "{run_id}";

    /**
     * @param maxObjects objects per mount, in either direction
     * @param maxBytes    bytes per mount, in either direction
     * @param maxRunBytes bytes of all of a run's mounts together, in either direction (a manifest may list up to
     *                    {@link dev.agentharness.api.sandbox.ManifestValidator#MAX_MOUNTS} mounts)
     * @param linkTtl     how long each presigned link lives (it is used at once)
     */
    public record Limits(int maxObjects, long maxBytes, long maxRunBytes, Duration linkTtl) {
        public static final Limits DEFAULT = new Limits(1000, 100L * 1024 * 1024, 256L * 1024 * 1024,
                Duration.ofMinutes(5));

        /** Per-mount limits only: the run total is the per-mount byte cap, as if the run had one mount. */
        public Limits(int maxObjects, long maxBytes, Duration linkTtl) {
            this(maxObjects, maxBytes, maxBytes, linkTtl);
        }
    }

    /** The objects a run's writable mounts uploaded, and what could not be uploaded. */
    public record Uploads(List<StoredObject> stored, List<String> errors) {
        public static final Uploads NONE = new Uploads(List.of(), List.of());

        public Optional<String> error() {
            return errors.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", errors));
        }
    }

    private final ArtifactStore store;
    private final Optional<String> bucket;
    private final PresignedTransfer transfer;
    private final Limits limits;

    /**
     * @param bucket the bucket the store serves; empty for the local store, which stands in for any
     *               bucket so one manifest runs on a laptop and against R2 alike
     */
    public BucketMounts(ArtifactStore store, Optional<String> bucket, PresignedTransfer transfer, Limits limits) {
        this.store = store;
        this.bucket = bucket;
        this.transfer = transfer;
        this.limits = limits;
    }

    /** What makes the manifest's mounts impossible on this harness; checked before a run is written. */
    public List<ManifestProblem> problems(Manifest manifest) {
        List<ManifestProblem> problems = new ArrayList<>();
        manifest.entries().forEach((path, entry) -> {
            if (!(entry instanceof ManifestEntry.BucketMount mount)) {
                return;
            }
            String field = "entries['" + path + "']";
            if (bucket.isPresent() && !bucket.get().equals(mount.bucket())) {
                problems.add(new ManifestProblem(field + ".bucket", "this harness stores objects in bucket '"
                        + bucket.get() + "' and can only mount that bucket"));
            }
            String prefix = directory(mount.prefix());
            boolean ownInputs = prefix.startsWith(SESSION_INPUTS + "/");
            boolean ownOutputs = prefix.startsWith(RUN_OUTPUTS + "/");
            boolean knowledge = prefix.startsWith(ObjectKeys.KNOWLEDGE);
            if (!ownInputs && !ownOutputs && !knowledge) {
                problems.add(new ManifestProblem(field + ".prefix", "a run may mount its session's inputs ('"
                        + SESSION_INPUTS + "/…'), its own outputs ('" + RUN_OUTPUTS + "/…') or, read only, 'knowledge/…'"));
            } else if (knowledge && !mount.readOnly()) {
                problems.add(new ManifestProblem(field + ".read_only", "knowledge/ is shared by every run and can "
                        + "only be mounted read only"));
            } else {
                try {
                    ObjectKeys.checkPrefix(directory(mount.resolvedPrefix("r", "s")));
                } catch (ObjectKeys.InvalidNameException e) {
                    problems.add(new ManifestProblem(field + ".prefix", e.getMessage()));
                }
            }
        });
        return problems;
    }

    public static boolean any(Manifest manifest) {
        return manifest.entries().values().stream().anyMatch(ManifestEntry.BucketMount.class::isInstance);
    }

    /** The mounts of one run: what was put into the workspace, so the end of the run uploads only changes. */
    public RunMounts forRun(SandboxSpec spec) {
        return new RunMounts(spec);
    }

    public final class RunMounts {

        private final SandboxSpec spec;
        /** mount path → (path inside the mount → sha256 of what was downloaded) */
        private final Map<String, Map<String, String>> downloaded = new LinkedHashMap<>();

        private RunMounts(SandboxSpec spec) {
            this.spec = spec;
        }

        /** Downloads every mount's objects into a freshly provisioned sandbox. */
        public void materialise(Sandbox sandbox) throws SandboxException {
            downloaded.clear();
            long runBytes = 0;
            for (Map.Entry<String, ManifestEntry.BucketMount> mount : mounts().entrySet()) {
                String prefix = prefix(mount.getValue());
                Map<String, String> files = new LinkedHashMap<>();
                long bytes = 0;
                List<StoredObject> objects;
                try {
                    objects = store.list(prefix, limits.maxObjects());
                } catch (StorageException e) {
                    throw new SandboxException("mount '" + mount.getKey() + "': " + e.getMessage());
                }
                makeDirectory(sandbox, mount.getKey());
                for (StoredObject object : objects) {
                    String relative = object.key().substring(prefix.length());
                    bytes += object.size();
                    if (bytes > limits.maxBytes()) {
                        throw new SandboxException("mount '" + mount.getKey() + "': the objects under " + prefix
                                + " exceed " + limits.maxBytes() + " bytes");
                    }
                    runBytes += object.size();
                    if (runBytes > limits.maxRunBytes()) {
                        throw new SandboxException("mount '" + mount.getKey() + "': the objects of all mounts of this "
                                + "run together exceed " + limits.maxRunBytes() + " bytes");
                    }
                    byte[] content;
                    try {
                        URI link = store.presignGet(object.key(), limits.linkTtl());
                        content = transfer.download(link, limits.maxBytes());
                    } catch (StorageException e) {
                        throw new SandboxException("mount '" + mount.getKey() + "': " + relative + ": " + e.getMessage());
                    }
                    sandbox.writeFile(mount.getKey() + "/" + relative, content);
                    files.put(relative, Digests.sha256Hex(content));
                }
                downloaded.put(mount.getKey(), files);
                LOG.infof("mount %s: %d objects from %s", mount.getKey(), files.size(), prefix);
            }
        }

        /**
         * Uploads new or changed files of the writable mounts. Never throws: what could not be
         * uploaded is reported, and the run keeps its outcome.
         */
        public Uploads uploadChanges(RunSandbox sandbox) {
            List<StoredObject> stored = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            long runBytes = 0;
            for (Map.Entry<String, ManifestEntry.BucketMount> mount : mounts().entrySet()) {
                if (mount.getValue().readOnly()) {
                    continue;
                }
                String prefix = prefix(mount.getValue());
                Map<String, String> before = downloaded.getOrDefault(mount.getKey(), Map.of());
                try {
                    List<String> files = sandbox.read(s -> walk(s, mount.getKey()));
                    long bytes = 0;
                    int count = 0;
                    for (String relative : files) {
                        String key;
                        try {
                            key = ObjectKeys.checkKey(prefix + relative);
                        } catch (ObjectKeys.InvalidNameException e) {
                            errors.add(mount.getKey() + "/" + relative + " not uploaded: " + e.getMessage());
                            continue;
                        }
                        byte[] content = sandbox.read(s -> s.readFile(mount.getKey() + "/" + relative,
                                (int) Math.min(Integer.MAX_VALUE - 8, limits.maxBytes())));
                        String sha256 = Digests.sha256Hex(content);
                        if (sha256.equals(before.get(relative))) {
                            continue;
                        }
                        bytes += content.length;
                        if (++count > limits.maxObjects() || bytes > limits.maxBytes()) {
                            errors.add("mount '" + mount.getKey() + "': more than " + limits.maxObjects() + " files or "
                                    + limits.maxBytes() + " bytes changed; the rest was not uploaded");
                            break;
                        }
                        runBytes += content.length;
                        if (runBytes > limits.maxRunBytes()) {
                            errors.add("mount '" + mount.getKey() + "': the changed files of all mounts of this run "
                                    + "together exceed " + limits.maxRunBytes() + " bytes; the rest was not uploaded");
                            break;
                        }
                        URI link = store.presignPut(key, limits.linkTtl());
                        stored.add(transfer.upload(link, key, content, contentType(relative)));
                    }
                } catch (SandboxException | StorageException e) {
                    errors.add("mount '" + mount.getKey() + "' not fully uploaded: " + e.getMessage());
                }
            }
            if (!stored.isEmpty()) {
                LOG.infof("mounts: uploaded %d changed files", stored.size());
            }
            return new Uploads(stored, errors);
        }

        private Map<String, ManifestEntry.BucketMount> mounts() {
            Map<String, ManifestEntry.BucketMount> mounts = new LinkedHashMap<>();
            spec.manifest().entries().forEach((path, entry) -> {
                if (entry instanceof ManifestEntry.BucketMount mount) {
                    mounts.put(path, mount);
                }
            });
            return mounts;
        }

        private String prefix(ManifestEntry.BucketMount mount) {
            return ObjectKeys.checkPrefix(directory(mount.resolvedPrefix(spec.runId(), spec.sessionPath())));
        }
    }

    /** Every regular file below {@code dir}, as paths relative to it. */
    private static List<String> walk(Sandbox sandbox, String dir) throws SandboxException {
        List<String> files = new ArrayList<>();
        walk(sandbox, dir, "", files, 0);
        return files;
    }

    private static void walk(Sandbox sandbox, String dir, String relative, List<String> files, int depth)
            throws SandboxException {
        if (depth > 32) {
            throw new SandboxException("directories nest deeper than 32 levels under " + dir);
        }
        for (WorkspaceFile file : sandbox.listFiles(relative.isEmpty() ? dir : dir + "/" + relative)) {
            String path = relative.isEmpty() ? file.name() : relative + "/" + file.name();
            if (file.directory()) {
                walk(sandbox, dir, path, files, depth + 1);
            } else {
                files.add(path);
            }
        }
    }

    private static void makeDirectory(Sandbox sandbox, String path) throws SandboxException {
        ExecResult result = sandbox.exec("mkdir -p -- '" + path.replace("'", "'\\''") + "'", null,
                Duration.ofSeconds(30), 4096);
        if (result.exitCode() != 0) {
            throw new SandboxException("mount '" + path + "': could not create its directory: " + result.stderr().strip());
        }
    }

    /** {@code inputs/{session_id}} and {@code inputs/{session_id}/} mean the same directory. */
    static String directory(String prefix) {
        return prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
    }

    static String contentType(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith(".md")) {
            return "text/markdown; charset=utf-8";
        }
        if (lower.endsWith(".csv")) {
            return "text/csv; charset=utf-8";
        }
        if (lower.endsWith(".txt") || lower.endsWith(".log") || lower.endsWith(".py") || lower.endsWith(".sh")) {
            return "text/plain; charset=utf-8";
        }
        if (lower.endsWith(".json")) {
            return "application/json";
        }
        return "application/octet-stream";
    }
}
