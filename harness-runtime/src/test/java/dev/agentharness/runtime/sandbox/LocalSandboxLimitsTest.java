package dev.agentharness.runtime.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.api.sandbox.ManifestEntry;
import dev.agentharness.api.sandbox.Network;
import dev.agentharness.runtime.sandbox.local.LocalSandboxProvider;
import dev.agentharness.runtime.sandbox.local.LocalSandboxSettings;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local sandbox's resource limits, with real commands in real bubblewrap: a fork bomb and a memory hog end
 * inside their own sandboxes while a run in another sandbox completes normally; {@code /tmp} is sized; the seccomp
 * filter, the unprivileged uid and the ban on new user namespaces hold. Every command here is bounded (a few
 * thousand forks at most, one allocation) because the machine running the tests is shared.
 */
class LocalSandboxLimitsTest {

    static final Duration TIMEOUT = Duration.ofSeconds(60);
    static final LocalSandboxSettings LIMITS = new LocalSandboxSettings(64, 64L << 20, 256, 512L << 20, 16L << 20, 65533);

    @TempDir
    Path temp;
    LocalSandboxProvider provider;
    Sandbox bomb;
    Sandbox hog;
    Sandbox neighbour;

    @BeforeEach
    void provision() throws Exception {
        Bwrap.assumeInstalled();
        // As a real data directory must be: traversable, so the sandboxes can run as another host uid than root.
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwx--x--x"));
        provider = new LocalSandboxProvider(temp.resolve("sandboxes"), LIMITS);
        bomb = provider.create(spec());
        hog = provider.create(spec());
        neighbour = provider.create(spec());
    }

    @AfterEach
    void destroy() {
        for (Sandbox sandbox : new Sandbox[] {bomb, hog, neighbour}) {
            if (sandbox != null) {
                sandbox.destroy();
            }
        }
    }

    static SandboxSpec spec() {
        return new SandboxSpec("run_limits", "ses_limits", new Manifest(null,
                Map.of("inputs/notes.txt", new ManifestEntry.File("one two three\n")), null, Network.NONE),
                Duration.ofMinutes(5));
    }

    static String sh(Sandbox sandbox, String command) throws SandboxException {
        ExecResult result = sandbox.exec(command, null, TIMEOUT, 64 * 1024);
        return result.stdout().strip();
    }

    /** The guard before any bomb: the limits are in place and the sandbox is not root on the host. */
    @Test
    void theLimitsTheUidAndTheFiltersAreInPlace() throws Exception {
        assertEquals("Max processes 64 64 processes", sh(bomb, "grep 'Max processes' /proc/self/limits | tr -s ' '"));
        assertEquals("Max address space 536870912 536870912 bytes",
                sh(bomb, "grep 'Max address space' /proc/self/limits | tr -s ' '"));
        assertEquals("Max open files 256 256 files", sh(bomb, "grep 'Max open files' /proc/self/limits | tr -s ' '"));
        assertEquals("65534 65534", sh(bomb, "echo $(id -u) $(id -g)"));
        String outerUid = sh(bomb, "tr -s ' ' < /proc/self/uid_map").split(" ")[2];
        assertNotEquals("0", outerUid, "never root on the host: root is exempt from RLIMIT_NPROC");
        // seccomp: keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0) fails with EPERM (1) only because of the
        // filter; unshare is refused by the filter and by --disable-userns alike.
        assertEquals("errno 1", sh(bomb, "perl -e 'syscall(250, 0, -3, 0) < 0 and print \"errno \", $! + 0'"));
        assertNotEquals(0, bomb.exec("unshare -U true", null, TIMEOUT, 1000).exitCode());
        ExecResult tmp = bomb.exec("head -c 32M /dev/zero > /tmp/big", null, TIMEOUT, 1000);
        assertNotEquals(0, tmp.exitCode());
        assertTrue(tmp.stderr().contains("No space left on device"), tmp.stderr());
        ExecResult big = bomb.exec("head -c 100M /dev/zero > big.bin", null, TIMEOUT, 1000);
        assertNotEquals(0, big.exitCode(), "RLIMIT_FSIZE: " + big.stderr());
    }

    /** Running as another host uid than the harness must not cost the sandbox its workspace. */
    @Test
    void filesTheHarnessWritesStayTheSandboxsToChangeAndSnapshotsRoundTrip() throws Exception {
        assertTrue(provider.healthy());
        neighbour.writeFile("new/dir/a.txt", "from the harness".getBytes(StandardCharsets.UTF_8));
        ExecResult changed = neighbour.exec("echo changed > new/dir/a.txt && touch new/dir/b.txt && rm inputs/notes.txt",
                null, TIMEOUT, 1000);
        assertEquals(0, changed.exitCode(), changed.stderr());
        ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
        neighbour.snapshot(snapshot);
        neighbour.writeFile("new/dir/a.txt", "overwritten".getBytes(StandardCharsets.UTF_8));
        neighbour.restore(new ByteArrayInputStream(snapshot.toByteArray()), snapshot.size());
        assertEquals("changed\n", new String(neighbour.readFile("new/dir/a.txt", 100), StandardCharsets.UTF_8));
        assertEquals(0, neighbour.exec("rm -r new", null, TIMEOUT, 1000).exitCode());
    }

    @Test
    void aForkBombAndAMemoryHogEndInsideTheirSandboxesWhileANeighbourRunsNormally() throws Exception {
        assertEquals("Max processes 64 64 processes", sh(bomb, "grep 'Max processes' /proc/self/limits | tr -s ' '"),
                "the process limit must hold before the bomb goes off");
        assertNotEquals("0", sh(bomb, "tr -s ' ' < /proc/self/uid_map").split(" ")[2]);

        // Bounded: at most 3000 forks of short sleepers; the limit stops it at 64 processes.
        CompletableFuture<ExecResult> forks = CompletableFuture.supplyAsync(() -> exec(bomb,
                // The loop runs in a subshell: dash gives up at the first fork that fails. Counting uses no fork.
                "i=0; (while [ $i -lt 3000 ]; do (sleep 3) 2>/dev/null & i=$((i+1)); done) 2>/dev/null; "
                        + "n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; echo $n"));
        CompletableFuture<ExecResult> memory = CompletableFuture.supplyAsync(() -> exec(hog,
                "head -c 2G /dev/zero | tail -n 1 > /dev/null"));
        ExecResult normal = neighbour.exec("wc -w < inputs/notes.txt", null, TIMEOUT, 1000);

        assertEquals(0, normal.exitCode(), normal.stderr());
        assertEquals("3", normal.stdout().strip());
        ExecResult bombed = forks.get(2, TimeUnit.MINUTES);
        int processes = Integer.parseInt(bombed.stdout().strip());
        assertTrue(processes > 10 && processes <= 64, "forks went on until the limit, never past it: " + processes);
        ExecResult hogged = memory.get(2, TimeUnit.MINUTES);
        assertNotEquals(0, hogged.exitCode(), "the 2 GiB buffer must not fit in 512 MiB");
        assertTrue(hogged.stderr().contains("memory exhausted"), hogged.stderr());
        // The neighbour (and the harness) still work after both.
        assertEquals("3", sh(neighbour, "wc -w < inputs/notes.txt"));
        assertEquals("one two three\n", new String(neighbour.readFile("inputs/notes.txt", 100), StandardCharsets.UTF_8));
    }

    private static ExecResult exec(Sandbox sandbox, String command) {
        try {
            return sandbox.exec(command, null, TIMEOUT, 64 * 1024);
        } catch (SandboxException e) {
            throw new IllegalStateException(e);
        }
    }
}
