package dev.agentharness.runtime.sandbox.e2b;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.api.sandbox.ManifestEntry;
import dev.agentharness.api.sandbox.Network;
import dev.agentharness.fakes.e2b.FakeE2bServer;
import dev.agentharness.fakes.e2b.RecordedE2bRequest;
import dev.agentharness.runtime.sandbox.Bwrap;
import dev.agentharness.runtime.sandbox.ExecResult;
import dev.agentharness.runtime.sandbox.OwnedSandbox;
import dev.agentharness.runtime.sandbox.Sandbox;
import dev.agentharness.runtime.sandbox.SandboxException;
import dev.agentharness.runtime.sandbox.SnapshotChecks;
import dev.agentharness.runtime.sandbox.SandboxSpec;
import dev.agentharness.runtime.sandbox.WorkspaceFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The E2B provider against the FAKE E2B (contract-checked against openapi.yml, envd framing byte for
 * byte, commands really run under bubblewrap): what it sends, how it runs commands and moves files,
 * and how it notices a killed, paused or unreachable sandbox.
 */
class E2bSandboxProviderTest {

    static final String PLANTED = System.getenv().getOrDefault("HARNESS_TEST_PLANTED_SECRET", "sk-planted-canary-4f9a1c7e2b");
    static FakeE2bServer fake;
    static E2bSandboxProvider provider;
    final List<Sandbox> created = new ArrayList<>();

    @BeforeAll
    static void startFake() {
        Bwrap.assumeInstalled();
        fake = new FakeE2bServer().start(0);
        provider = new E2bSandboxProvider(settings(fake.apiKey(), fake.url(), "unit-tests"));
    }

    @AfterAll
    static void stopFake() {
        if (fake != null) {
            fake.close();
        }
    }

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path snapshotBase;

    @BeforeEach
    void reset() {
        fake.clear();
        fake.keepalives(0).splitUtf8(false);
    }

    @AfterEach
    void cleanUpAndCheckTheContract() {
        created.forEach(Sandbox::destroy);
        assertEquals(List.of(), fake.violations(), "every request matched openapi.yml and envd's protocol");
        for (RecordedE2bRequest request : fake.requests()) {
            assertFalse(request.everything().contains(fake.apiKey()), "the API key appears outside X-API-Key: " + request.path());
            assertFalse(request.everything().contains(PLANTED), "the harness environment leaked into " + request.path());
        }
    }

    static E2bSettings settings(String key, String url, String owner) {
        return E2bSettings.resolve(key, null, url, null, url, owner).settings().orElseThrow();
    }

    static Manifest manifest(Map<String, ManifestEntry> entries, List<String> egress) {
        return new Manifest(null, entries, null, new Network(egress));
    }

    Sandbox create(String runId, Manifest manifest) throws SandboxException {
        Sandbox sandbox = provider.create(new SandboxSpec(runId, "ses", manifest, Duration.ofMinutes(20)));
        created.add(sandbox);
        return sandbox;
    }

    Sandbox create() throws SandboxException {
        return create("run_unit", manifest(Map.of("inputs/notes.txt", new ManifestEntry.File("one two three\n"),
                "outputs", new ManifestEntry.Dir()), List.of()));
    }

    JsonNode createBody() {
        return fake.requests().stream().filter(r -> r.method().equals("POST") && r.path().equals("/sandboxes"))
                .reduce((first, second) -> second).orElseThrow().json();
    }

    @Test
    void theCreateBodyHasAnExplicitTimeoutSecureRunMetadataAndNoEnvironment() throws Exception {
        Sandbox sandbox = create();

        JsonNode body = createBody();
        assertEquals("base", body.get("templateID").asText());
        assertEquals(1200, body.get("timeout").asInt(), "E2B's default would be 15 s");
        assertTrue(body.get("secure").asBoolean());
        assertFalse(body.get("allow_internet_access").asBoolean(), "no egress in the manifest = no internet");
        assertFalse(body.has("network"));
        assertFalse(body.has("envVars"), "nothing of the harness environment goes to the sandbox");
        assertEquals(Map.of("harness", "unit-tests", "run_id", "run_unit"),
                fake.sandbox(sandbox.id()).orElseThrow().metadata());
        assertEquals(Map.of(), fake.sandbox(sandbox.id()).orElseThrow().envVars());
    }

    @Test
    void egressHostsBecomeAnAllowListOverADenyAll() throws Exception {
        create("run_net", manifest(Map.of(), List.of("pypi.org", "files.pythonhosted.org")));
        JsonNode body = createBody();
        assertTrue(body.get("allow_internet_access").asBoolean());
        assertEquals("[\"pypi.org\",\"files.pythonhosted.org\"]", body.get("network").get("allowOut").toString());
        assertEquals("[\"0.0.0.0/0\"]", body.get("network").get("denyOut").toString());
    }

    @Test
    void commandsRunInTheWorkspaceWithExitCodesStderrAndWorkdir() throws Exception {
        Sandbox sandbox = create();
        ExecResult ok = sandbox.exec("wc -w < inputs/notes.txt; pwd", null, Duration.ofSeconds(20), 4096);
        assertEquals(0, ok.exitCode());
        assertEquals("3\n/workspace\n", ok.stdout());
        ExecResult failed = sandbox.exec("echo oops >&2; exit 3", "outputs", Duration.ofSeconds(20), 4096);
        assertEquals(3, failed.exitCode());
        assertEquals("oops\n", failed.stderr());
        assertFalse(failed.timedOut());
        assertEquals("/workspace/outputs\n", sandbox.exec("pwd", "/workspace/outputs", Duration.ofSeconds(20), 4096).stdout());
        SandboxException missing = assertThrows(SandboxException.class,
                () -> sandbox.exec("true", "nope", Duration.ofSeconds(20), 4096));
        assertEquals("workdir 'nope' is not a directory in the workspace", missing.getMessage());

        JsonNode start = fake.requests().stream().filter(r -> r.path().equals("/process.Process/Start"))
                .reduce((a, b) -> b).orElseThrow().json();
        assertEquals("/bin/sh", start.get("process").get("cmd").asText());
        assertFalse(start.get("stdin").asBoolean(), "stdin:false, or commands that read it would hang");
    }

    @Test
    void aCommandReadingStdinSeesEndOfFileAtOnce() throws Exception {
        Sandbox sandbox = create();
        ExecResult result = sandbox.exec("cat; echo done", null, Duration.ofSeconds(20), 4096);
        assertEquals("done\n", result.stdout());
        assertFalse(result.timedOut());
    }

    @Test
    void theExecTimeoutTravelsAsConnectTimeoutMsAndADeadlineIsATimedOut124() throws Exception {
        Sandbox sandbox = create();
        ExecResult result = sandbox.exec("echo started; sleep 30", null, Duration.ofMillis(700), 4096);
        assertTrue(result.timedOut());
        assertEquals(ExecResult.TIMED_OUT_EXIT_CODE, result.exitCode());
        assertEquals("started\n", result.stdout());
        assertTrue(result.wallTime().compareTo(Duration.ofSeconds(10)) < 0, result.wallTime().toString());
        RecordedE2bRequest start = fake.requests().stream().filter(r -> r.path().equals("/process.Process/Start"))
                .reduce((a, b) -> b).orElseThrow();
        assertEquals("700", start.header("Connect-Timeout-Ms").orElseThrow());
    }

    @Test
    void outputIsDecodedAcrossSplitCharactersAndKeepalivesAndCappedPerStream() throws Exception {
        Sandbox sandbox = create();
        fake.keepalives(3).splitUtf8(true);
        ExecResult text = sandbox.exec("printf 'naïve €uro ✓'", null, Duration.ofSeconds(20), 4096);
        assertEquals("naïve €uro ✓", text.stdout());
        ExecResult big = sandbox.exec("head -c 100000 /dev/zero | tr '\\0' x", null, Duration.ofSeconds(20), 1000);
        assertEquals(1000, big.stdout().length());
        assertTrue(big.stdoutTruncated());
        assertFalse(big.stderrTruncated());
    }

    @Test
    void filesAreWrittenReadAndListedThroughEnvd() throws Exception {
        Sandbox sandbox = create();
        sandbox.writeFile("outputs/result.txt", "3 words\n".getBytes(StandardCharsets.UTF_8));
        assertArrayEquals("3 words\n".getBytes(StandardCharsets.UTF_8), sandbox.readFile("/workspace/outputs/result.txt", 1024));
        assertEquals(List.of(new WorkspaceFile("inputs", true, 0), new WorkspaceFile("outputs", true, 0)), sandbox.listFiles(null));
        assertEquals(List.of(new WorkspaceFile("result.txt", false, 8)), sandbox.listFiles("outputs"));
        sandbox.exec("mkdir empty", null, Duration.ofSeconds(20), 1024);
        assertEquals(List.of(), sandbox.listFiles("empty"), "an empty directory answers {} (protojson omits empty lists)");

        assertEquals("no such file: 'nope.txt'",
                assertThrows(SandboxException.class, () -> sandbox.readFile("nope.txt", 1024)).getMessage());
        assertEquals("'outputs' is a directory; use list_files",
                assertThrows(SandboxException.class, () -> sandbox.readFile("outputs", 1024)).getMessage());
        assertTrue(assertThrows(SandboxException.class, () -> sandbox.readFile("outputs/result.txt", 3)).getMessage()
                .contains("larger than 3 bytes"));
        assertEquals("'missing' is not a directory in the workspace",
                assertThrows(SandboxException.class, () -> sandbox.listFiles("missing")).getMessage());
    }

    @Test
    void pathsOutsideTheWorkspaceAreRefusedBeforeAnyCall() throws Exception {
        Sandbox sandbox = create();
        int before = fake.requests().size();
        for (String path : List.of("../etc/passwd", "/etc/passwd", "outputs/../../root/x", "/workspace2/x")) {
            SandboxException e = assertThrows(SandboxException.class, () -> sandbox.readFile(path, 1024));
            assertTrue(e.getMessage().contains("outside the workspace"), e.getMessage());
            assertThrows(SandboxException.class, () -> sandbox.writeFile(path, new byte[1]));
            assertThrows(SandboxException.class, () -> sandbox.listFiles(path));
            assertThrows(SandboxException.class, () -> sandbox.exec("true", path, Duration.ofSeconds(5), 10));
        }
        assertEquals(before, fake.requests().size(), "nothing reached E2B");
    }

    @Test
    void aWorkspaceLargerThanTheSnapshotCapIsRefusedWithoutKeepingAnything() throws Exception {
        Sandbox sandbox = create("run_unit", manifest(Map.of(), List.of()));
        assertEquals(0, sandbox.exec("head -c 1000000 /dev/urandom > big.bin", null, Duration.ofSeconds(20), 1024).exitCode());
        SnapshotChecks.refusedBeyondThePerRunCap(sandbox, snapshotBase.resolve("refused"));
    }

    @Test
    void aSnapshotRestoresTheWorkspaceIntoAnotherSandbox() throws Exception {
        Sandbox first = create();
        first.exec("mkdir -p outputs/deep && printf 'x\\n' > outputs/deep/a.txt && chmod +x outputs/deep/a.txt",
                null, Duration.ofSeconds(20), 1024);
        Sandbox second = create("run_unit", manifest(Map.of("stale.txt", new ManifestEntry.File("old")), List.of()));
        SnapshotChecks.roundTrip(first, second, snapshotBase.resolve("round-trip"));

        assertEquals(List.of(new WorkspaceFile("inputs", true, 0), new WorkspaceFile("outputs", true, 0)), second.listFiles(""));
        assertEquals("x\n", new String(second.readFile("outputs/deep/a.txt", 1024), StandardCharsets.UTF_8));
        assertEquals("yes\n", second.exec("test -x outputs/deep/a.txt && echo yes", null, Duration.ofSeconds(20), 64).stdout());
        assertEquals("", second.exec("ls /tmp", null, Duration.ofSeconds(20), 1024).stdout(), "the uploaded archive is removed");
    }

    @Test
    void aKilledSandboxIsDeadAndItsCallsSaySo() throws Exception {
        Sandbox sandbox = create();
        assertTrue(sandbox.alive());
        fake.kill(sandbox.id());
        assertFalse(sandbox.alive());
        SandboxException e = assertThrows(SandboxException.class, () -> sandbox.exec("true", null, Duration.ofSeconds(5), 10));
        assertEquals("sandbox " + sandbox.id() + " is gone (E2B reports it is not running)", e.getMessage());
    }

    @Test
    void aPausedSandboxIsResumedThroughConnectWithItsNewToken() throws Exception {
        Sandbox sandbox = create();
        sandbox.writeFile("kept.txt", "still here".getBytes(StandardCharsets.UTF_8));
        fake.pause(sandbox.id());
        assertThrows(SandboxException.class, () -> sandbox.readFile("kept.txt", 64), "envd is unreachable while paused");

        assertTrue(sandbox.alive());

        assertEquals("running", fake.sandbox(sandbox.id()).orElseThrow().state());
        RecordedE2bRequest connect = fake.requests().stream().filter(r -> r.path().endsWith("/connect")).findFirst().orElseThrow();
        assertTrue(connect.json().get("timeout").asInt() > 1000, connect.bodyText());
        assertEquals("still here", new String(sandbox.readFile("kept.txt", 64), StandardCharsets.UTF_8),
                "the fake rotates the envd token on resume: this read proves the new one is used");
    }

    @Test
    void destroyKillsAndIsIdempotent() throws Exception {
        Sandbox sandbox = create();
        sandbox.destroy();
        assertTrue(fake.sandbox(sandbox.id()).isEmpty());
        assertFalse(sandbox.alive());
        sandbox.destroy();
        provider.destroy("doesnotexist123");
        assertTrue(fake.requests().stream().anyMatch(r -> r.method().equals("DELETE")));
    }

    @Test
    void ownedListsOnlyThisHarnesssSandboxesWithRunAndExpiry() throws Exception {
        Sandbox ours = create();
        E2bSandboxProvider other = new E2bSandboxProvider(settings(fake.apiKey(), fake.url(), "another-harness"));
        Sandbox theirs = other.create(new SandboxSpec("run_theirs", "ses", manifest(Map.of(), List.of()), Duration.ofMinutes(5)));
        created.add(theirs);

        List<OwnedSandbox> owned = provider.owned();

        assertEquals(List.of(ours.id()), owned.stream().map(OwnedSandbox::sandboxId).toList());
        assertEquals("run_unit", owned.getFirst().runId());
        assertTrue(owned.getFirst().expiresAt().isAfter(Instant.now().plus(Duration.ofMinutes(15))));
    }

    @Test
    void healthNeedsAWorkingKeyAndAReachableApiAndMessagesNeverCarryTheKey() throws Exception {
        assertTrue(provider.healthy());
        String wrongKey = "e2b_wrong_9d8c7b6a5f";
        E2bSandboxProvider wrong = new E2bSandboxProvider(settings(wrongKey, fake.url(), "unit-tests"));
        assertFalse(wrong.healthy());
        SandboxException e = assertThrows(SandboxException.class, () -> wrong.create(
                new SandboxSpec("run_x", "ses", manifest(Map.of(), List.of()), Duration.ofMinutes(5))));
        assertEquals("E2B answered 401 to POST /sandboxes — check E2B_API_KEY", e.getMessage());
        assertFalse(e.getMessage().contains(wrongKey));

        E2bSandboxProvider unreachable = new E2bSandboxProvider(settings(wrongKey, "http://127.0.0.1:9", "unit-tests"));
        assertFalse(unreachable.healthy());
        SandboxException down = assertThrows(SandboxException.class, () -> unreachable.create(
                new SandboxSpec("run_x", "ses", manifest(Map.of(), List.of()), Duration.ofMinutes(5))));
        assertTrue(down.getMessage().startsWith("E2B is unreachable (POST /sandboxes: ConnectException)"), down.getMessage());
        assertFalse(down.getMessage().contains(wrongKey));
    }

    @Test
    void transientFailuresAreRetriedHonouringRetryAfterAndThenReported() throws Exception {
        fake.failNextControlRequests(2, 503, "0");
        create();
        assertEquals(3, fake.requests().stream().filter(r -> r.path().equals("/sandboxes") && r.method().equals("POST")).count());

        fake.clear();
        fake.failNextControlRequests(ControlPlaneClient.MAX_ATTEMPTS, 429, "0");
        SandboxException e = assertThrows(SandboxException.class, this::create);
        assertEquals("E2B answered 429 to POST /sandboxes — rate limited by E2B", e.getMessage());
        assertEquals(ControlPlaneClient.MAX_ATTEMPTS, fake.requests().size());
    }

    @Test
    void manifestsTheProviderCannotServeAreNamed() {
        Manifest mount = manifest(Map.of("data", new ManifestEntry.BucketMount("r2_mount", "inputs", "", true)), List.of());
        assertEquals(List.of(), provider.unsupported(mount), "bucket mounts are the sandbox plane's, filled through the file API");
        assertEquals("root: the e2b provider cannot place the workspace under /etc; use a path such as /workspace",
                provider.unsupported(new Manifest("/etc/work", Map.of(), null, null)).getFirst().toString());
        assertEquals(List.of(), provider.unsupported(new Manifest("/home/user/work", Map.of(), null, null)));
    }

    @Test
    void aGitRepoEntryIsClonedInsideTheSandbox() throws Exception {
        Path repo = Files.createTempDirectory("mirror-");
        git(repo, "init", "-q", "-b", "main");
        Files.createDirectories(repo.resolve("tools"));
        Files.writeString(repo.resolve("tools/count.sh"), "wc -w \"$1\"\n");
        Files.writeString(repo.resolve("README.md"), "tools\n");
        git(repo, "add", ".");
        git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "first");
        git(repo, "tag", "v1");
        // The fake template's image redirects the GitHub URL to a local mirror: the clone itself is real git.
        fake.imageTree("/opt/mirror/tools", repo).imageFile("/etc/gitconfig",
                "[url \"file:///opt/mirror/tools\"]\n\tinsteadOf = https://github.com/acme/tools.git\n[safe]\n\tdirectory = *\n");

        Sandbox sandbox = create("run_git", manifest(Map.of(
                "vendor/tools", new ManifestEntry.GitRepo("github.com", "acme/tools", "v1", "tools"),
                "vendor/all", new ManifestEntry.GitRepo("github.com", "acme/tools", null, null)), List.of("github.com")));

        assertEquals(List.of(new WorkspaceFile("count.sh", false, 11)), sandbox.listFiles("vendor/tools"));
        assertEquals("tools\n", new String(sandbox.readFile("vendor/all/README.md", 64), StandardCharsets.UTF_8));

        SandboxException missing = assertThrows(SandboxException.class, () -> create("run_git2", manifest(Map.of(
                "x", new ManifestEntry.GitRepo("github.com", "acme/tools", "v1", "nope")), List.of("github.com"))));
        assertTrue(missing.getMessage().contains("subpath 'nope' does not exist in the repository"), missing.getMessage());
        assertEquals(1, fake.sandboxes().stream().filter(s -> s.metadata().get("run_id").startsWith("run_git")).count(),
                "a sandbox whose provisioning failed is destroyed");
    }

    static void git(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("git", "-C", dir.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
    }
}
