package dev.agentharness.runtime.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.api.sandbox.ManifestEntry;
import dev.agentharness.api.sandbox.Network;
import dev.agentharness.runtime.sandbox.local.LocalSandboxProvider;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local provider's promises, checked with real commands in real bubblewrap sandboxes: the
 * model's code sees nothing of the harness (environment, files, network) and can change nothing
 * but its workspace.
 */
class LocalSandboxIsolationTest {

    /** Planted in the test JVM's environment by surefire (see harness-runtime/pom.xml). */
    static final String PLANTED_SECRET = System.getenv("HARNESS_TEST_PLANTED_SECRET");
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path base;
    LocalSandboxProvider provider;
    Sandbox sandbox;

    @BeforeEach
    void provision() throws Exception {
        Bwrap.assumeInstalled();
        provider = new LocalSandboxProvider(base);
        sandbox = provider.create(spec(Manifest.DEFAULT_ROOT, Map.of(
                "inputs/notes.txt", new ManifestEntry.File("one two three"),
                "outputs", new ManifestEntry.Dir()), Network.NONE));
    }

    @AfterEach
    void destroy() {
        if (sandbox != null) {
            sandbox.destroy();
        }
    }

    static SandboxSpec spec(String root, Map<String, ManifestEntry> entries, Network network) {
        return new SandboxSpec("run_test", "ses_test", new Manifest(root, entries, null, network), Duration.ofMinutes(5));
    }

    ExecResult sh(String command) throws SandboxException {
        return sandbox.exec(command, null, TIMEOUT, 1024 * 1024);
    }

    @Test
    void manifestEntriesAreMaterialisedAndCommandsRunInTheWorkspace() throws Exception {
        ExecResult result = sh("pwd; cat inputs/notes.txt | wc -w; ls");
        assertEquals(0, result.exitCode(), result.stderr());
        assertEquals("/workspace\n3\ninputs\noutputs\n", result.stdout());
        assertEquals(List.of(new WorkspaceFile("inputs", true, 0), new WorkspaceFile("outputs", true, 0)),
                sandbox.listFiles(""));
        assertEquals("one two three", new String(sandbox.readFile("/workspace/inputs/notes.txt", 1000), StandardCharsets.UTF_8));
    }

    @Test
    void aSecretInTheHarnessEnvironmentIsInvisibleInside() throws Exception {
        assertTrue(PLANTED_SECRET != null && PLANTED_SECRET.startsWith("sk-"),
                "surefire must plant HARNESS_TEST_PLANTED_SECRET in the harness environment for this test to mean anything");
        ExecResult env = sh("env");
        assertFalse(env.stdout().contains(PLANTED_SECRET), env.stdout());
        assertFalse(env.stdout().contains("HARNESS_TEST_PLANTED_SECRET"), env.stdout());
        // PID 1 inside is bwrap's own init: its environment is what bwrap was started with.
        ExecResult proc = sh("cat /proc/1/environ /proc/self/environ /proc/*/environ 2>/dev/null | tr '\\0' '\\n'");
        assertFalse(proc.stdout().contains(PLANTED_SECRET), proc.stdout());
        assertTrue(proc.stdout().contains("PATH=/usr/local/bin:/usr/bin:/bin"), "the reads worked: " + proc.stdout());
        ExecResult capabilities = sh("grep CapEff /proc/self/status");
        assertEquals("CapEff:\t0000000000000000\n", capabilities.stdout());
    }

    @Test
    void harnessFilesAreNotVisibleInside() throws Exception {
        Path harnessSecret = base.resolve("harness-secret.txt");
        Files.writeString(harnessSecret, PLANTED_SECRET);
        Path repo = Path.of("").toAbsolutePath();
        for (Path hostPath : List.of(harnessSecret, base, repo, repo.resolve("pom.xml"), Path.of("/root"), Path.of("/etc/passwd"))) {
            ExecResult result = sh("cat " + hostPath + " || ls " + hostPath);
            assertNotEquals(0, result.exitCode(), hostPath + " is visible: " + result.stdout());
            assertTrue(result.stderr().contains("No such file or directory"), result.stderr());
        }
        ExecResult everything = sh("grep -rs '" + PLANTED_SECRET + "' / --exclude-dir=proc --exclude-dir=sys --exclude-dir=usr -l || true");
        assertEquals("", everything.stdout());
    }

    @Test
    void writesOutsideTheWorkspaceFail() throws Exception {
        String hostName = Files.readString(Path.of("/proc/sys/kernel/hostname"));
        for (String target : List.of("/x", "/etc/x", "/usr/x", "/usr/bin/x", "/bin/x", "/proc/sysrq-trigger")) {
            ExecResult result = sh("echo pwned > " + target);
            assertNotEquals(0, result.exitCode(), target + " was writable");
        }
        // The sandbox has its own UTS namespace: renaming "its" host changes nothing outside.
        sh("echo pwned > /proc/sys/kernel/hostname");
        assertEquals(hostName, Files.readString(Path.of("/proc/sys/kernel/hostname")));
        assertFalse(Files.exists(Path.of("/usr/x")));
        assertFalse(Files.exists(Path.of("/usr/bin/x")));
        assertEquals(0, sh("echo ok > /tmp/scratch && echo ok > outputs/result.txt").exitCode());
        assertEquals("ok\n", new String(sandbox.readFile("outputs/result.txt", 100), StandardCharsets.UTF_8));
    }

    @Test
    void symlinksMadeInsideCannotLeadTheHarnessOutside() throws Exception {
        Path harnessSecret = base.resolve("harness-secret.txt");
        Files.writeString(harnessSecret, PLANTED_SECRET);
        assertEquals(0, sh("ln -s " + harnessSecret + " leak && ln -s / host && ln -s /etc/hostname name").exitCode());
        SandboxException read = assertThrows(SandboxException.class, () -> sandbox.readFile("leak", 1000));
        assertTrue(read.getMessage().contains("outside the workspace"), read.getMessage());
        assertThrows(SandboxException.class, () -> sandbox.readFile("name", 1000));
        assertThrows(SandboxException.class, () -> sandbox.writeFile("host/tmp/planted.txt", new byte[]{1}));
        assertThrows(SandboxException.class, () -> sandbox.listFiles("host/etc"));
        assertThrows(SandboxException.class, () -> sandbox.readFile("../harness-secret.txt", 1000));
        assertThrows(SandboxException.class, () -> sandbox.readFile("/etc/hostname", 1000));
        assertFalse(Files.exists(Path.of("/tmp/planted.txt")));
        // A dangling link is not followed on write either.
        assertEquals(0, sh("ln -s " + base.resolve("created-by-link.txt") + " dangling").exitCode());
        assertThrows(SandboxException.class, () -> sandbox.writeFile("dangling", new byte[]{1}));
        assertFalse(Files.exists(base.resolve("created-by-link.txt")));
    }

    /**
     * The local provider never shares the host's network: its loopback holds the harness's HTTP port and the
     * embedded PostgreSQL, and the cloud metadata address is one hop away. A manifest asking for egress is refused
     * (before this change it got {@code --share-net}, and the connections below succeeded).
     */
    @Test
    void theHostNetworkAndTheDatabaseSocketAreNeverReachable() throws Exception {
        SandboxException refused = assertThrows(SandboxException.class,
                () -> provider.create(spec(Manifest.DEFAULT_ROOT, Map.of(), new Network(List.of("pypi.org")))));
        assertTrue(refused.getMessage().startsWith("network.egress: the local provider gives sandboxes no network"),
                refused.getMessage());
        assertEquals("network.egress", provider.unsupported(new Manifest(null, Map.of(), null,
                new Network(List.of("pypi.org")))).getFirst().field());

        Path socketPath = base.resolve("postgres/.s.PGSQL.5432");
        Files.createDirectories(socketPath.getParent());
        try (ServerSocket harnessPort = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
             ServerSocket postgresPort = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1"));
             ServerSocketChannel databaseSocket = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            databaseSocket.bind(UnixDomainSocketAddress.of(socketPath));
            for (String target : List.of("127.0.0.1/" + harnessPort.getLocalPort(), "127.0.0.1/" + postgresPort.getLocalPort(),
                    "169.254.169.254/80")) {
                ExecResult probe = sh("timeout 10 bash -c 'echo hello > /dev/tcp/" + target + "' && echo CONNECTED");
                assertNotEquals(0, probe.exitCode(), target + ": " + probe.stdout());
                assertFalse(probe.stdout().contains("CONNECTED"), target);
            }
            ExecResult socket = sh("cat " + socketPath + "; ls " + base);
            assertNotEquals(0, socket.exitCode());
            assertTrue(socket.stderr().contains("No such file or directory"), socket.stderr());
            ExecResult interfaces = sh("cat /proc/net/dev | tail -n +3 | cut -d: -f1");
            assertEquals("lo", interfaces.stdout().strip(), "only a private loopback interface exists");
        }
    }

    /** Opening a FIFO blocks until its other end opens: the file tools refuse anything but regular files. */
    @Test
    void aFifoInTheWorkspaceIsRefusedByTheFileToolsInsteadOfBlockingThem() throws Exception {
        assertEquals(0, sh("mkfifo outputs/pipe && ln -s pipe outputs/link-to-pipe").exitCode());
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            SandboxException read = assertThrows(SandboxException.class, () -> sandbox.readFile("outputs/pipe", 1000));
            assertEquals("'outputs/pipe' is not a regular file (a symlink, FIFO, socket or device); the file tools only "
                    + "read and write regular files", read.getMessage());
            assertThrows(SandboxException.class, () -> sandbox.readFile("outputs/link-to-pipe", 1000));
            SandboxException write = assertThrows(SandboxException.class,
                    () -> sandbox.writeFile("outputs/pipe", "x".getBytes(StandardCharsets.UTF_8)));
            assertTrue(write.getMessage().contains("not a regular file"), write.getMessage());
            assertEquals(List.of("link-to-pipe", "pipe"),
                    sandbox.listFiles("outputs").stream().map(WorkspaceFile::name).toList());
        });
    }

    @Test
    void aTimeoutKillsTheWholeProcessTree() throws Exception {
        ExecResult result = sandbox.exec("sleep 9871 & setsid nohup sleep 9872 >/dev/null 2>&1 & echo started; sleep 9873",
                null, Duration.ofSeconds(2), 1000);
        assertTrue(result.timedOut());
        assertEquals(ExecResult.TIMED_OUT_EXIT_CODE, result.exitCode());
        assertEquals("started\n", result.stdout());
        // The kernel reaps asynchronously; give it a moment, then nothing of the command may remain.
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        List<String> survivors;
        do {
            survivors = processesMatching("sleep 987");
        } while (!survivors.isEmpty() && System.nanoTime() < deadline && pause());
        assertEquals(List.of(), survivors);
    }

    @Test
    void outputBeyondTheLimitIsTruncatedAndFlagged() throws Exception {
        ExecResult result = sandbox.exec("head -c 100000 /dev/zero | tr '\\0' a; echo err >&2", null, TIMEOUT, 1000);
        assertEquals(0, result.exitCode());
        assertEquals(1000, result.stdout().length());
        assertTrue(result.stdoutTruncated());
        assertFalse(result.stderrTruncated());
        assertEquals("err\n", result.stderr());
    }

    @Test
    void aSnapshotStreamsToAFileAndRestoresIntoAFreshSandbox() throws Exception {
        assertEquals(0, sh("mkdir -p outputs/deep && echo 42 > outputs/deep/answer && chmod +x outputs/deep/answer").exitCode());
        sandbox.writeFile("notes/written.txt", "from the harness".getBytes(StandardCharsets.UTF_8));
        Sandbox fresh = provider.create(spec(Manifest.DEFAULT_ROOT, Map.of("stale.txt", new ManifestEntry.File("old")),
                Network.NONE));
        try {
            SnapshotChecks.roundTrip(sandbox, fresh, base.resolve("snapshots"));
            ExecResult check = fresh.exec("cat outputs/deep/answer inputs/notes.txt notes/written.txt; "
                    + "test -x outputs/deep/answer && echo exec; ls stale.txt", null, TIMEOUT, 1024);
            assertEquals("42\none two threefrom the harnessexec\n", check.stdout(), check.stderr());
            assertTrue(check.stderr().contains("stale.txt"), "the restore replaced what was there");
        } finally {
            fresh.destroy();
        }
    }

    @Test
    void aWorkspaceLargerThanTheSnapshotCapIsRefusedWithoutKeepingAnything() throws Exception {
        assertEquals(0, sh("head -c 1000000 /dev/urandom > big.bin").exitCode());
        SnapshotChecks.refusedBeyondThePerRunCap(sandbox, base.resolve("snapshots"));
    }

    @Test
    void theReaperViewListsEverySandboxWithItsRun() throws Exception {
        List<OwnedSandbox> owned = provider.owned();
        assertEquals(1, owned.size());
        assertEquals(sandbox.id(), owned.getFirst().sandboxId());
        assertEquals("run_test", owned.getFirst().runId());
        provider.destroy(sandbox.id());
        assertFalse(sandbox.alive(), "destroyed by id from outside, e.g. by the reaper");
        assertEquals(List.of(), provider.owned());
        assertTrue(provider.healthy());
    }

    @Test
    void aCustomRootIsWhereTheWorkspaceAppears() throws Exception {
        Sandbox custom = provider.create(spec("/home/agent/work", Map.of("a.txt", new ManifestEntry.File("x")), Network.NONE));
        try {
            assertEquals("/home/agent/work\na.txt\n", custom.exec("pwd; ls", null, TIMEOUT, 1000).stdout());
            assertEquals("x", new String(custom.readFile("/home/agent/work/a.txt", 10), StandardCharsets.UTF_8));
        } finally {
            custom.destroy();
        }
    }

    private static boolean pause() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }

    private static List<String> processesMatching(String marker) throws IOException {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .map(p -> {
                        try {
                            return new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                        } catch (IOException e) {
                            return "";
                        }
                    })
                    .filter(cmd -> cmd.contains(marker))
                    .toList();
        }
    }
}
