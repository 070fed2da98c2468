package dev.agentharness.runtime.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.api.sandbox.ManifestProblem;
import dev.agentharness.api.sandbox.ManifestValidator;
import dev.agentharness.runtime.sandbox.local.LocalSandboxProvider;
import dev.agentharness.runtime.storage.ArtifactStore;
import dev.agentharness.runtime.storage.LinkSigner;
import dev.agentharness.runtime.storage.LocalArtifactStore;
import dev.agentharness.runtime.storage.ObjectKeys;
import dev.agentharness.runtime.storage.PresignedTransfer;
import dev.agentharness.runtime.storage.S3ArtifactStore;
import dev.agentharness.runtime.storage.S3Settings;
import dev.agentharness.runtime.storage.StoredObject;
import dev.agentharness.runtime.testing.S3Buckets;
import dev.agentharness.runtime.testing.S3ServerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bucket mounts on real parts: the local bubblewrap sandbox, and both stores — s3proxy (SigV4
 * links over HTTP) and the local directory store (HMAC links followed in-process). Every call the
 * plane makes into the sandbox is recorded, so the suite can show that no storage credential and
 * no presigned URL ever crosses into it.
 */
class BucketMountsTest {

    private static final String BUCKET = "mounts";
    private static final byte[] LOCAL_SIGNING_KEY = HexFormat.of().parseHex("5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7");
    private static S3ServerProcess s3proxy;
    private static S3ArtifactStore s3Store;

    @TempDir
    Path temp;

    private final List<RunSandbox> opened = new ArrayList<>();

    @BeforeAll
    static void startS3proxy() {
        Bwrap.assumeInstalled();
        s3proxy = S3ServerProcess.s3proxy().start();
        S3Buckets.create(s3proxy.endpoint(), BUCKET);
        s3Store = new S3ArtifactStore(S3Settings.resolve(null, S3ServerProcess.ACCESS_KEY, S3ServerProcess.SECRET_KEY,
                BUCKET, s3proxy.endpoint().toString(), null).settings().orElseThrow(), Duration.ofSeconds(10));
    }

    @AfterAll
    static void stopS3proxy() {
        if (s3Store != null) {
            s3Store.close();
        }
        if (s3proxy != null) {
            s3proxy.close();
        }
    }

    @AfterEach
    void destroySandboxes() {
        opened.forEach(RunSandbox::close);
    }

    private ArtifactStore store(String backend) throws Exception {
        return switch (backend) {
            case "s3proxy" -> s3Store;
            case "local" -> new LocalArtifactStore(Files.createDirectories(temp.resolve("store")),
                    new LinkSigner(LOCAL_SIGNING_KEY, Clock.systemUTC()), null);
            default -> throw new IllegalArgumentException(backend);
        };
    }

    private static BucketMounts mounts(ArtifactStore store, BucketMounts.Limits limits) {
        Optional<String> bucket = store instanceof S3ArtifactStore ? Optional.of(BUCKET) : Optional.empty();
        return new BucketMounts(store, bucket, new PresignedTransfer(store, Duration.ofSeconds(10)), limits);
    }

    static Manifest manifest(Map<String, Object> entries) {
        var validation = ManifestValidator.validate(Map.of("entries", entries));
        assertTrue(validation.valid(), validation.summary());
        return validation.manifest();
    }

    static Map<String, Object> mount(String prefix, boolean readOnly) {
        return Map.of("type", "r2_mount", "bucket", BUCKET, "prefix", prefix, "read_only", readOnly);
    }

    /** A sandbox of the local provider whose every call is recorded (arguments and bytes). */
    private RunSandbox provision(RecordingProvider provider, BucketMounts mounts, Manifest manifest, String runId,
                                 String sessionId) throws SandboxException {
        SandboxSpec spec = new SandboxSpec(runId, sessionId, manifest, Duration.ofMinutes(5));
        BucketMounts.RunMounts forRun = mounts.forRun(spec);
        RunSandbox sandbox = RunSandbox.provision(provider, spec, forRun::materialise);
        opened.add(sandbox);
        runMounts = forRun;
        return sandbox;
    }

    private BucketMounts.RunMounts runMounts;

    private static String exec(RunSandbox sandbox, String command) throws SandboxException {
        ExecResult result = sandbox.change(s -> s.exec(command, null, Duration.ofSeconds(20), 1 << 20));
        assertEquals(0, result.exitCode(), result.stderr());
        return result.stdout();
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3proxy", "local"})
    void aReadMountBringsTheSessionsObjectsIntoTheWorkspaceAndNothingElse(String backend) throws Exception {
        ArtifactStore store = store(backend);
        String session = "s-" + UUID.randomUUID();
        store.put("inputs/" + session + "/notes.txt", "four words right here".getBytes(StandardCharsets.UTF_8), "text/plain");
        store.put("inputs/" + session + "/data/nested/table.csv", "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8), "text/csv");
        store.put("inputs/other-" + session + "/secret.txt", "not yours".getBytes(StandardCharsets.UTF_8), "text/plain");
        RecordingProvider provider = new RecordingProvider(new LocalSandboxProvider(temp.resolve("sandboxes")));

        RunSandbox sandbox = provision(provider, mounts(store, BucketMounts.Limits.DEFAULT),
                manifest(Map.of("inputs", mount("inputs/{session_id}", true))), "r-1", session);

        assertEquals("four words right here", exec(sandbox, "cat inputs/notes.txt"));
        assertEquals("a,b\n1,2\n", exec(sandbox, "cat inputs/data/nested/table.csv"));
        assertEquals("inputs/data/nested/table.csv\ninputs/notes.txt\n", exec(sandbox, "find inputs -type f | sort"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3proxy", "local"})
    void aWritableMountUploadsNewAndChangedFilesOnlyAndTheyAreInTheStore(String backend) throws Exception {
        ArtifactStore store = store(backend);
        String run = "r-" + UUID.randomUUID();
        store.put("outputs/" + run + "/kept.txt", "unchanged".getBytes(StandardCharsets.UTF_8), "text/plain");
        store.put("outputs/" + run + "/edited.txt", "before".getBytes(StandardCharsets.UTF_8), "text/plain");
        RecordingProvider provider = new RecordingProvider(new LocalSandboxProvider(temp.resolve("sandboxes")));
        RunSandbox sandbox = provision(provider, mounts(store, BucketMounts.Limits.DEFAULT),
                manifest(Map.of("outputs", mount("outputs/{run_id}/", false))), run, "s-1");

        exec(sandbox, "printf after > outputs/edited.txt && mkdir -p outputs/deep/er && printf 13 > outputs/deep/er/count.txt");
        BucketMounts.Uploads uploads = runMounts.uploadChanges(sandbox);

        assertEquals(List.of(), uploads.errors());
        assertEquals(List.of("outputs/" + run + "/deep/er/count.txt", "outputs/" + run + "/edited.txt"),
                uploads.stored().stream().map(StoredObject::key).sorted().toList(), "kept.txt was not changed");
        PresignedTransfer reader = new PresignedTransfer(store, Duration.ofSeconds(10));
        assertEquals("after", new String(reader.download(store.presignGet("outputs/" + run + "/edited.txt",
                Duration.ofMinutes(1)), 100), StandardCharsets.UTF_8));
        assertEquals("13", new String(reader.download(store.presignGet("outputs/" + run + "/deep/er/count.txt",
                Duration.ofMinutes(1)), 100), StandardCharsets.UTF_8));
        StoredObject count = uploads.stored().stream().filter(o -> o.key().endsWith("count.txt")).findFirst().orElseThrow();
        assertEquals(2, count.size());
        assertEquals("text/plain; charset=utf-8", count.contentType());
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3proxy", "local"})
    void noCredentialAndNoPresignedLinkEverCrossesIntoTheSandbox(String backend) throws Exception {
        ArtifactStore store = store(backend);
        String session = "s-" + UUID.randomUUID();
        String run = "r-" + UUID.randomUUID();
        store.put("inputs/" + session + "/notes.txt", "some notes".getBytes(StandardCharsets.UTF_8), "text/plain");
        RecordingProvider provider = new RecordingProvider(new LocalSandboxProvider(temp.resolve("sandboxes")));
        RunSandbox sandbox = provision(provider, mounts(store, BucketMounts.Limits.DEFAULT), manifest(Map.of(
                "inputs", mount("inputs/{session_id}", true),
                "outputs", mount("outputs/{run_id}", false))), run, session);
        exec(sandbox, "cp inputs/notes.txt outputs/copy.txt");
        assertEquals(1, runMounts.uploadChanges(sandbox).stored().size());

        String environment = exec(sandbox, "env; cat /proc/self/environ | tr '\\0' '\\n'");
        String everyFile = exec(sandbox, "find / \\( -path /proc -o -path /sys -o -path /usr -o -path /dev \\) -prune"
                + " -o -type f -readable -print0 2>/dev/null | xargs -0 cat 2>/dev/null | base64 -w0; true");
        String localKeyHex = HexFormat.of().formatHex(LOCAL_SIGNING_KEY);
        List<String> forbidden = List.of(S3ServerProcess.ACCESS_KEY, S3ServerProcess.SECRET_KEY, localKeyHex,
                "X-Amz-", "X-Harness-Signature", "/storage/");
        for (String secret : forbidden) {
            assertFalse(provider.recorded().contains(secret), "a call into the sandbox carried " + secret);
            assertFalse(environment.contains(secret), "the sandbox environment holds " + secret);
            assertFalse(new String(java.util.Base64.getDecoder().decode(everyFile.strip()), StandardCharsets.ISO_8859_1)
                    .contains(secret), "a file in the sandbox holds " + secret);
        }
        assertTrue(provider.recorded().contains("some notes"), "the recording saw the mounted bytes: it records");
    }

    @Test
    void aSandboxLostBeforeAnyChangeIsProvisionedAgainWithItsMounts() throws Exception {
        ArtifactStore store = store("local");
        String session = "s-" + UUID.randomUUID();
        store.put("inputs/" + session + "/notes.txt", "survives".getBytes(StandardCharsets.UTF_8), "text/plain");
        LocalSandboxProvider local = new LocalSandboxProvider(temp.resolve("sandboxes"));
        RecordingProvider provider = new RecordingProvider(local);
        RunSandbox sandbox = provision(provider, mounts(store, BucketMounts.Limits.DEFAULT),
                manifest(Map.of("inputs", mount("inputs/{session_id}", true))), "r-lost", session);

        local.destroy(sandbox.sandboxId());

        assertEquals("survives", exec(sandbox, "cat inputs/notes.txt"));
        assertEquals(1, sandbox.resumes());
    }

    @Test
    void tooManyObjectsOrBytesFailTheProvisioningWithAClearMessageAndLeaveNoSandbox() throws Exception {
        ArtifactStore store = store("local");
        String session = "s-" + UUID.randomUUID();
        for (int i = 0; i < 3; i++) {
            store.put("inputs/" + session + "/f" + i + ".txt", "0123456789".getBytes(StandardCharsets.UTF_8), "text/plain");
        }
        LocalSandboxProvider local = new LocalSandboxProvider(temp.resolve("sandboxes"));
        Manifest manifest = manifest(Map.of("inputs", mount("inputs/{session_id}", true)));

        SandboxException objects = assertThrows(SandboxException.class, () -> provision(new RecordingProvider(local),
                mounts(store, new BucketMounts.Limits(2, 1000, Duration.ofMinutes(1))), manifest, "r-a", session));
        assertTrue(objects.getMessage().contains("more than 2 objects under inputs/" + session + "/"), objects.getMessage());
        SandboxException bytes = assertThrows(SandboxException.class, () -> provision(new RecordingProvider(local),
                mounts(store, new BucketMounts.Limits(10, 25, Duration.ofMinutes(1))), manifest, "r-b", session));
        assertTrue(bytes.getMessage().contains("exceed 25 bytes"), bytes.getMessage());
        assertEquals(List.of(), local.owned(), "a sandbox that could not be prepared is destroyed");
    }

    @Test
    void theBytesOfAllMountsOfARunHaveOneTotalCap() throws Exception {
        ArtifactStore store = store("local");
        String session = "s-" + UUID.randomUUID();
        store.put("inputs/" + session + "/a/one.txt", "0123456789".repeat(2).getBytes(StandardCharsets.UTF_8), "text/plain");
        store.put("inputs/" + session + "/b/two.txt", "0123456789".repeat(2).getBytes(StandardCharsets.UTF_8), "text/plain");
        LocalSandboxProvider local = new LocalSandboxProvider(temp.resolve("sandboxes"));
        Manifest twoMounts = manifest(Map.of("a", mount("inputs/{session_id}/a", true),
                "b", mount("inputs/{session_id}/b", true)));

        // 20 bytes per mount fit the per-mount cap of 25, but 40 together exceed the run's 30.
        SandboxException total = assertThrows(SandboxException.class, () -> provision(new RecordingProvider(local),
                mounts(store, new BucketMounts.Limits(10, 25, 30, Duration.ofMinutes(1))), twoMounts, "r-total", session));
        assertTrue(total.getMessage().contains("the objects of all mounts of this run together exceed 30 bytes"),
                total.getMessage());
        assertEquals(List.of(), local.owned(), "a sandbox that could not be prepared is destroyed");

        RunSandbox fits = provision(new RecordingProvider(local),
                mounts(store, new BucketMounts.Limits(10, 25, 40, Duration.ofMinutes(1))), twoMounts, "r-fits", session);
        assertEquals("01234567890123456789", exec(fits, "cat b/two.txt"));
    }

    @Test
    void whatARunMayMountIsDecidedBeforeTheRunIsWritten() throws Exception {
        BucketMounts s3 = mounts(s3Store, BucketMounts.Limits.DEFAULT);
        BucketMounts local = mounts(store("local"), BucketMounts.Limits.DEFAULT);
        Map<String, Object> otherBucket = Map.of("type", "s3_mount", "bucket", "someone-elses", "prefix", "knowledge/");

        assertEquals(List.of(), s3.problems(manifest(Map.of(
                "a", mount("inputs/{session_id}/", true),
                "b", mount("outputs/{run_id}", false),
                "c", mount("knowledge/handbook", true)))));
        assertEquals(List.of(new ManifestProblem("entries['x'].bucket",
                "this harness stores objects in bucket 'mounts' and can only mount that bucket")),
                s3.problems(manifest(Map.of("x", otherBucket))));
        assertEquals(List.of(), local.problems(manifest(Map.of("x", otherBucket))),
                "the local store stands in for any bucket, so one manifest runs on a laptop and on R2");
        assertProblem(s3, mount("inputs/someone-else/", true), "entries['x'].prefix");
        // Another principal's (or namespace's) session cannot be named literally in the new layout either.
        assertProblem(s3, mount("inputs/" + ObjectKeys.sessionPath("operator", "team-a.shared") + "/", false),
                "entries['x'].prefix");
        assertProblem(s3, mount("inputs/{run_id}/", false), "entries['x'].prefix");
        assertProblem(s3, mount("outputs/run_someone_elses/", false), "entries['x'].prefix");
        assertProblem(s3, mount("outputs/", true), "entries['x'].prefix");
        assertProblem(s3, mount("", true), "entries['x'].prefix");
        assertProblem(s3, mount("knowledge/", false), "entries['x'].read_only");
    }

    private static void assertProblem(BucketMounts mounts, Map<String, Object> entry, String field) {
        List<ManifestProblem> problems = mounts.problems(manifest(Map.of("x", entry)));
        assertEquals(1, problems.size(), problems.toString());
        assertEquals(field, problems.getFirst().field(), problems.toString());
    }

    /** Wraps a provider so that every argument and every byte passed into its sandboxes is kept as text. */
    static final class RecordingProvider implements SandboxProvider {

        private final SandboxProvider delegate;
        private final List<String> calls = Collections.synchronizedList(new ArrayList<>());

        RecordingProvider(SandboxProvider delegate) {
            this.delegate = delegate;
        }

        String recorded() {
            synchronized (calls) {
                return String.join("\n", calls);
            }
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public List<ManifestProblem> unsupported(Manifest manifest) {
            return delegate.unsupported(manifest);
        }

        @Override
        public Sandbox create(SandboxSpec spec) throws SandboxException {
            calls.add("create " + spec);
            Sandbox sandbox = delegate.create(spec);
            return new Sandbox() {
                @Override
                public String id() {
                    return sandbox.id();
                }

                @Override
                public String runId() {
                    return sandbox.runId();
                }

                @Override
                public ExecResult exec(String command, String workdir, Duration timeout, int maxOutputBytes)
                        throws SandboxException {
                    calls.add("exec " + command + " in " + workdir);
                    return sandbox.exec(command, workdir, timeout, maxOutputBytes);
                }

                @Override
                public byte[] readFile(String path, int maxBytes) throws SandboxException {
                    calls.add("read " + path);
                    return sandbox.readFile(path, maxBytes);
                }

                @Override
                public void writeFile(String path, byte[] content) throws SandboxException {
                    calls.add("write " + path + " " + new String(content, StandardCharsets.ISO_8859_1));
                    sandbox.writeFile(path, content);
                }

                @Override
                public List<WorkspaceFile> listFiles(String path) throws SandboxException {
                    calls.add("list " + path);
                    return sandbox.listFiles(path);
                }

                @Override
                public void snapshot(java.io.OutputStream target) throws SandboxException {
                    sandbox.snapshot(target);
                }

                @Override
                public void restore(java.io.InputStream snapshot, long length) throws SandboxException {
                    byte[] archive;
                    try {
                        archive = snapshot.readNBytes((int) length);
                    } catch (java.io.IOException e) {
                        throw new SandboxException("cannot read the snapshot: " + e);
                    }
                    calls.add("restore " + new String(archive, StandardCharsets.ISO_8859_1));
                    sandbox.restore(new java.io.ByteArrayInputStream(archive), length);
                }

                @Override
                public boolean alive() {
                    return sandbox.alive();
                }

                @Override
                public void destroy() {
                    sandbox.destroy();
                }
            };
        }

        @Override
        public boolean healthy() {
            return delegate.healthy();
        }

        @Override
        public List<OwnedSandbox> owned() {
            return delegate.owned();
        }

        @Override
        public void destroy(String sandboxId) {
            delegate.destroy(sandboxId);
        }
    }
}
