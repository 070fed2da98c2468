package dev.agentharness.runtime.sandbox.cloudflare;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.api.sandbox.ManifestEntry;
import dev.agentharness.api.sandbox.Network;
import dev.agentharness.fakes.cloudflare.FakeCloudflareWorker;
import dev.agentharness.fakes.cloudflare.WorkerRequest;
import dev.agentharness.runtime.sandbox.Bwrap;
import dev.agentharness.runtime.sandbox.ExecResult;
import dev.agentharness.runtime.sandbox.Sandbox;
import dev.agentharness.runtime.sandbox.SandboxException;
import dev.agentharness.runtime.sandbox.SnapshotChecks;
import dev.agentharness.runtime.sandbox.SandboxSpec;
import dev.agentharness.runtime.sandbox.WorkspaceFile;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Cloudflare provider against the FAKE bridge Worker, which runs the commands for real in
 * bubblewrap: the HTTP/SSE wire format, files, snapshot and restore, timeouts, auth, and that the
 * API key travels only in the Authorization header.
 */
class CloudflareSandboxProviderTest {

    static final String KEY = "cf-test-key-91d2e7";
    static final Manifest MANIFEST = new Manifest(null, Map.of(
            "inputs/notes.txt", new ManifestEntry.File("one two three\n"),
            "outputs", new ManifestEntry.Dir()), null, null);

    FakeCloudflareWorker worker;
    CloudflareSandboxProvider provider;

    @BeforeAll
    static void needsBubblewrap() {
        Bwrap.assumeInstalled();
    }

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path snapshotBase;

    @BeforeEach
    void start() {
        worker = new FakeCloudflareWorker(KEY).start(0);
        provider = new CloudflareSandboxProvider(CloudflareSettings.resolve(Optional.of(worker.url() + "/"), Optional.of(KEY)));
    }

    @AfterEach
    void stop() {
        worker.close();
    }

    Sandbox create() throws SandboxException {
        return provider.create(new SandboxSpec("run_cf1", "ses", MANIFEST, Duration.ofMinutes(10)));
    }

    @Test
    void createMaterialisesTheManifestAndCommandsSeeItAtSlashWorkspace() throws Exception {
        Sandbox sandbox = create();
        ExecResult result = sandbox.exec("pwd; wc -w < inputs/notes.txt; ls -a /workspace", null, Duration.ofSeconds(20), 4096);
        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("/workspace\n3\n.\n..\ninputs\noutputs\n", result.stdout());
        assertEquals(List.of(new WorkspaceFile("inputs", true, 0), new WorkspaceFile("outputs", true, 0)), sandbox.listFiles(null));
        assertEquals(List.of(sandbox.id()), provider.owned().stream().map(o -> o.sandboxId()).toList());
        assertEquals("run_cf1", provider.owned().getFirst().runId());
    }

    @Test
    void execDecodesStreamsSplitIntoSingleByteEventsWithKeepAlivesMultiLineDataAndCrlf() throws Exception {
        worker.chunkBytes(1).keepAlives(true).multiLineData(true).crlf(true);
        Sandbox sandbox = create();
        ExecResult result = sandbox.exec("printf 'héllo wörld ✓ 🙂\\n'; printf 'ошибка' >&2; exit 3", null,
                Duration.ofSeconds(20), 4096);
        assertEquals(3, result.exitCode());
        assertEquals("héllo wörld ✓ 🙂\n", result.stdout());
        assertEquals("ошибка", result.stderr());
        assertFalse(result.timedOut());
    }

    @Test
    void aCommandPastItsTimeoutIsKilledAndReportedAs124() throws Exception {
        Sandbox sandbox = create();
        ExecResult result = sandbox.exec("echo started; sleep 30", null, Duration.ofMillis(700), 4096);
        assertTrue(result.timedOut());
        assertEquals(ExecResult.TIMED_OUT_EXIT_CODE, result.exitCode());
        assertEquals("started\n", result.stdout());
        assertTrue(result.wallTime().compareTo(Duration.ofSeconds(10)) < 0, result.wallTime().toString());
    }

    @Test
    void outputBeyondTheLimitIsDroppedAndFlagged() throws Exception {
        Sandbox sandbox = create();
        ExecResult result = sandbox.exec("head -c 100000 /dev/zero | tr '\\0' a", null, Duration.ofSeconds(20), 1000);
        assertEquals(0, result.exitCode());
        assertEquals(1000, result.stdout().length());
        assertTrue(result.stdoutTruncated());
    }

    @Test
    void filesRoundTripWithParentsCreatedAndBadPathsRefused() throws Exception {
        Sandbox sandbox = create();
        sandbox.writeFile("deep/er/ä b.txt", "grüße\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("grüße\n", new String(sandbox.readFile("/workspace/deep/er/ä b.txt", 100), StandardCharsets.UTF_8));
        assertEquals(List.of(new WorkspaceFile("ä b.txt", false, 8)), sandbox.listFiles("deep/er"));
        assertEquals("no such file: 'nope.txt'", assertThrows(SandboxException.class, () -> sandbox.readFile("nope.txt", 10)).getMessage());
        assertEquals("path '../etc/passwd' is outside the workspace /workspace",
                assertThrows(SandboxException.class, () -> sandbox.readFile("../etc/passwd", 10)).getMessage());
        assertTrue(assertThrows(SandboxException.class, () -> sandbox.readFile("inputs/notes.txt", 5)).getMessage()
                .contains("is larger than 5 bytes"));
        assertEquals("workdir 'nowhere' is not a directory in the workspace",
                assertThrows(SandboxException.class, () -> sandbox.exec("true", "nowhere", Duration.ofSeconds(5), 10)).getMessage());
        assertEquals("inputs\n", sandbox.exec("basename \"$PWD\"", "inputs", Duration.ofSeconds(5), 100).stdout());
    }

    @Test
    void symlinksOutOfTheWorkspaceAreRefusedForReadsWritesAndListings() throws Exception {
        Sandbox sandbox = create();
        assertEquals(0, sandbox.exec("ln -s /etc etc; ln -s /etc/hostname host", null, Duration.ofSeconds(5), 100).exitCode());
        assertEquals("path 'host' leads outside the workspace",
                assertThrows(SandboxException.class, () -> sandbox.readFile("host", 100)).getMessage());
        assertEquals("path 'etc/x.txt' leads outside the workspace (through a symlink)",
                assertThrows(SandboxException.class, () -> sandbox.writeFile("etc/x.txt", new byte[1])).getMessage());
        assertEquals("path 'etc' leads outside the workspace (through a symlink)",
                assertThrows(SandboxException.class, () -> sandbox.listFiles("etc")).getMessage());
    }

    @Test
    void aWorkspaceLargerThanTheSnapshotCapIsRefusedWithoutKeepingAnything() throws Exception {
        Sandbox sandbox = create();
        assertEquals(0, sandbox.exec("head -c 1000000 /dev/urandom > big.bin", null, Duration.ofSeconds(20), 1024).exitCode());
        SnapshotChecks.refusedBeyondThePerRunCap(sandbox, snapshotBase.resolve("refused"));
    }

    @Test
    void aSnapshotRestoresIntoAFreshSandboxReplacingWhatWasThere() throws Exception {
        Sandbox first = create();
        first.writeFile("outputs/result.txt", "42\n".getBytes(StandardCharsets.UTF_8));
        Sandbox second = create();
        second.writeFile("stray.txt", "x".getBytes(StandardCharsets.UTF_8));
        SnapshotChecks.roundTrip(first, second, snapshotBase.resolve("round-trip"));
        worker.kill(first.id());
        assertFalse(first.alive(), "a killed sandbox is not alive");
        assertArrayEquals("42\n".getBytes(StandardCharsets.UTF_8), second.readFile("outputs/result.txt", 100));
        assertEquals(List.of("inputs", "outputs"), second.listFiles(null).stream().map(WorkspaceFile::name).toList());
        assertTrue(second.alive());
    }

    @Test
    void destroyDeletesAtTheWorkerAndForgetsTheSandbox() throws Exception {
        Sandbox sandbox = create();
        sandbox.destroy();
        assertFalse(sandbox.alive());
        assertEquals(java.util.Set.of(), worker.sandboxes());
        assertEquals(List.of(), provider.owned());
        assertTrue(worker.requests().stream().anyMatch(r -> r.method().equals("DELETE")
                && r.rawPath().equals("/v1/sandbox/" + sandbox.id())));
        provider.destroy(sandbox.id());
    }

    @Test
    void theKeyIsSentOnlyAsTheBearerHeaderAndAWrongKeyIsReportedWithoutIt() throws Exception {
        Sandbox sandbox = create();
        sandbox.exec("env", null, Duration.ofSeconds(5), 4096);
        List<WorkerRequest> requests = worker.requests();
        assertFalse(requests.isEmpty());
        for (WorkerRequest request : requests) {
            assertEquals(Optional.of("Bearer " + KEY), request.header("authorization"));
            assertFalse(request.asTextWithoutAuthorization().contains(KEY), request.asText());
        }
        assertTrue(provider.healthy());

        CloudflareSandboxProvider wrongKey = new CloudflareSandboxProvider(
                CloudflareSettings.resolve(Optional.of(worker.url()), Optional.of("cf-wrong-key-000")));
        SandboxException e = assertThrows(SandboxException.class,
                () -> wrongKey.create(new SandboxSpec("run_x", "ses", MANIFEST, Duration.ofMinutes(1))));
        assertEquals("the Cloudflare sandbox Worker refused to create a sandbox (HTTP 401): check CLOUDFLARE_SANDBOX_API_KEY",
                e.getMessage());
        assertFalse(wrongKey.healthy());
        assertFalse(new CloudflareSettings(java.net.URI.create(worker.url()), Optional.of(KEY)).toString().contains(KEY));
    }

    @Test
    void anUnreachableWorkerIsUnhealthyAndCreateSaysSo() {
        CloudflareSandboxProvider dead = new CloudflareSandboxProvider(
                CloudflareSettings.resolve(Optional.of("http://127.0.0.1:9"), Optional.of(KEY)));
        assertFalse(dead.healthy());
        SandboxException e = assertThrows(SandboxException.class,
                () -> dead.create(new SandboxSpec("run_x", "ses", MANIFEST, Duration.ofMinutes(1))));
        assertTrue(e.getMessage().startsWith("could not create a sandbox: the Cloudflare sandbox Worker is unreachable ("),
                e.getMessage());
    }

    @Test
    void manifestsTheWorkerCannotHonourAreRefused() {
        assertEquals(List.of("root: the cloudflare provider only supports root /workspace (the Worker's persist and "
                        + "hydrate are fixed to it)"),
                provider.unsupported(new Manifest("/data", null, null, null)).stream().map(Object::toString).toList());
        assertTrue(provider.unsupported(new Manifest(null, null, null, new Network(List.of("pypi.org")))).getFirst()
                .toString().startsWith("network.egress: the cloudflare provider cannot apply a per-sandbox egress allowlist"));
        assertEquals(List.of(), provider.unsupported(new Manifest(null, Map.of("data",
                new ManifestEntry.BucketMount("r2_mount", "bkt", "p/", true)), null, null)),
                "bucket mounts are the sandbox plane's, filled through the file API");
        assertTrue(provider.unsupported(MANIFEST).isEmpty());
    }

    @Test
    void settingsNeedAnHttpUrl() {
        assertEquals("SANDBOX_PROVIDER=cloudflare needs CLOUDFLARE_SANDBOX_WORKER_URL (the URL of your Cloudflare Sandbox "
                + "bridge Worker)", assertThrows(IllegalStateException.class,
                () -> CloudflareSettings.resolve(Optional.empty(), Optional.of(KEY))).getMessage());
        assertTrue(assertThrows(IllegalStateException.class,
                () -> CloudflareSettings.resolve(Optional.of("https://user:pw@x.workers.dev"), Optional.empty()))
                .getMessage().startsWith("CLOUDFLARE_SANDBOX_WORKER_URL must be an http(s) URL without credentials"));
    }
}
