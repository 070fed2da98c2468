package dev.agentharness.runtime.sandbox.kubernetes;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.runtime.sandbox.ExecResult;
import dev.agentharness.runtime.sandbox.SandboxException;
import dev.agentharness.runtime.sandbox.SnapshotChecks;
import dev.agentharness.runtime.sandbox.SnapshotStore;
import dev.agentharness.runtime.sandbox.WorkspaceFile;
import dev.agentharness.runtime.sandbox.WorkspaceShell;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.ErrorStreamMessage;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.server.mock.OutputStreamMessage;
import io.fabric8.kubernetes.client.server.mock.StatusStreamMessage;
import io.fabric8.mockwebserver.internal.WebSocketMessage;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exec adapter against the fabric8 mock API server's expectation mode, which answers the exec
 * WebSocket ({@code v4.channel.k8s.io}) with channel-prefixed frames: 1 stdout, 2 stderr, 3 the
 * final Status. Each expectation is keyed by the exact exec URL, so these tests also pin the argv
 * the sandbox sends (one {@code command=} parameter per argument, {@code stdin=true} only with input).
 * The mock runs no kubelet: what the scripts do inside a container is proven by
 * {@code WorkspaceShellTest}, which runs them in a real shell.
 */
@EnableKubernetesMockClient(crud = true)
class PodExecTest {

    static final String NS = "exec-test";
    static final String POD = "sbx-00000000000000aa";

    KubernetesMockServer server;
    KubernetesClient client;
    KubernetesSandbox sandbox;

    @BeforeEach
    void aRunningSandboxPod() {
        Pod pod = new SandboxPodFactory(KubernetesSandboxSettings.defaults(NS))
                .build(POD, "run_exec", "/workspace", Duration.ofMinutes(5), java.time.Instant.now().plusSeconds(300));
        client.pods().inNamespace(NS).resource(pod).create();
        client.pods().inNamespace(NS).resource(new PodBuilder(client.pods().inNamespace(NS).withName(POD).get())
                .withNewStatus().withPhase("Running").endStatus().build()).updateStatus();
        sandbox = new KubernetesSandbox(POD, "run_exec", "/workspace", NS, client, () -> { });
    }

    /** The exec URL fabric8 builds: form-encoded arguments with %20 for spaces, then container and streams. */
    static String execPath(List<String> argv, boolean stdin) {
        return "/api/v1/namespaces/" + NS + "/pods/" + POD + "/exec?"
                + argv.stream().map(a -> "command=" + URLEncoder.encode(a, StandardCharsets.UTF_8).replace("+", "%20"))
                        .collect(Collectors.joining("&"))
                + "&container=sandbox" + (stdin ? "&stdin=true" : "") + "&stdout=true&stderr=true";
    }

    /**
     * Answers the exec with {@code frames}, 50 ms apart. Not through {@code open(frames…)}: the mock schedules
     * each open frame as it registers the next, and closes the socket as soon as nothing is pending, so a
     * fast first frame can close the socket before the Status is sent (seen as flaky "no exit status").
     */
    void answer(List<String> argv, WebSocketMessage... frames) {
        var session = server.expect().get().withPath(execPath(argv, false)).andUpgradeToWebSocket().open();
        for (int i = 0; i < frames.length; i++) {
            session = session.waitFor(0).andEmit(delayed(frames[i], 50L * (i + 1)));
        }
        session.done().once();
    }

    /** The mock uses a WebSocketMessage's own delay (waitFor's applies only to strings and objects). */
    static WebSocketMessage delayed(WebSocketMessage frame, long millis) {
        return new WebSocketMessage(millis, frame.getBytes(), true, true);
    }

    /** The Status a real API server sends for a non-zero exit (reason NonZeroExitCode, cause ExitCode). */
    static WebSocketMessage apiServerExit(int code) {
        String status = "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with non-zero exit code: "
                + "error executing command [sh -c ...], exit code " + code + "\",\"reason\":\"NonZeroExitCode\","
                + "\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"" + code + "\"}]}}";
        byte[] body = status.getBytes(StandardCharsets.UTF_8);
        byte[] frame = new byte[body.length + 1];
        frame[0] = 3;
        System.arraycopy(body, 0, frame, 1, body.length);
        return new WebSocketMessage(0L, frame, true, true);
    }

    List<String> execRequests() throws InterruptedException {
        List<String> paths = new ArrayList<>();
        RecordedRequest request;
        while ((request = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
            if (request.getPath().contains("/exec?")) {
                paths.add(request.getPath());
            }
        }
        return paths;
    }

    @Test
    void stdoutStderrAndASuccessStatusBecomeTheResult() throws Exception {
        answer(WorkspaceShell.exec("/workspace", "echo 'hi there'; echo oops >&2"),
                new OutputStreamMessage("hi there\n"), new ErrorStreamMessage("oops\n"), new StatusStreamMessage(0));
        ExecResult result = sandbox.exec("echo 'hi there'; echo oops >&2", null, Duration.ofSeconds(10), 4096);
        assertEquals(0, result.exitCode());
        assertEquals("hi there\n", result.stdout());
        assertEquals("oops\n", result.stderr());
        assertFalse(result.timedOut());
    }

    @Test
    void aNonZeroExitStatusFromTheApiServerIsTheExitCode() throws Exception {
        answer(WorkspaceShell.exec("/workspace", "exit 2"), apiServerExit(2));
        assertEquals(2, sandbox.exec("exit 2", null, Duration.ofSeconds(10), 4096).exitCode());
    }

    @Test
    void outputBeyondTheLimitIsDroppedAndFlagged() throws Exception {
        answer(WorkspaceShell.exec("/workspace", "yes | head -c 5000"), new OutputStreamMessage("y\n".repeat(2500)),
                new StatusStreamMessage(0));
        ExecResult result = sandbox.exec("yes | head -c 5000", null, Duration.ofSeconds(10), 100);
        assertEquals(100, result.stdout().length());
        assertTrue(result.stdoutTruncated());
        assertFalse(result.stderrTruncated());
    }

    @Test
    void aCommandPastItsTimeoutIsAbandonedEverythingButPid1IsKilledAndTheResultIs124() throws Exception {
        server.expect().get().withPath(execPath(WorkspaceShell.exec("/workspace", "sleep 600"), false)).andUpgradeToWebSocket()
                .open()
                .waitFor(0).andEmit(delayed(new OutputStreamMessage("started\n"), 50))
                .waitFor(0).andEmit(delayed(new StatusStreamMessage(0), 60_000))
                .done().once();
        answer(PodExec.KILL_ALL, new StatusStreamMessage(0));
        ExecResult result = sandbox.exec("sleep 600", null, Duration.ofMillis(800), 4096);
        assertTrue(result.timedOut(), result.toString());
        assertEquals(ExecResult.TIMED_OUT_EXIT_CODE, result.exitCode());
        assertEquals("started\n", result.stdout());
        List<String> execs = execRequests();
        assertEquals(execPath(PodExec.KILL_ALL, false), execs.getLast(), "the kill-everything exec followed: " + execs);
    }

    @Test
    void aWorkdirIsCheckedInTheSandboxBeforeTheCommandRuns() throws Exception {
        answer(WorkspaceShell.checkDirectory("/workspace", "/workspace/src"), new StatusStreamMessage(0));
        answer(WorkspaceShell.exec("/workspace/src", "ls"), new OutputStreamMessage("main.py\n"), new StatusStreamMessage(0));
        assertEquals("main.py\n", sandbox.exec("ls", "src", Duration.ofSeconds(10), 4096).stdout());

        answer(WorkspaceShell.checkDirectory("/workspace", "/workspace/nowhere"), new StatusStreamMessage(WorkspaceShell.MISSING));
        assertEquals("workdir 'nowhere' is not a directory in the workspace",
                assertThrows(SandboxException.class, () -> sandbox.exec("ls", "nowhere", Duration.ofSeconds(10), 10)).getMessage());
    }

    @Test
    void filesAreReadWithTheCheckingScriptAndItsExitCodesBecomeMessages() throws Exception {
        answer(WorkspaceShell.readFile("/workspace", "/workspace/outputs/count.txt", 1000),
                new OutputStreamMessage("13\n"), new StatusStreamMessage(0));
        assertArrayEquals("13\n".getBytes(StandardCharsets.UTF_8), sandbox.readFile("outputs/count.txt", 1000));

        answer(WorkspaceShell.readFile("/workspace", "/workspace/missing.txt", 1000), apiServerExit(WorkspaceShell.MISSING));
        assertEquals("no such file: 'missing.txt'",
                assertThrows(SandboxException.class, () -> sandbox.readFile("missing.txt", 1000)).getMessage());
        answer(WorkspaceShell.readFile("/workspace", "/workspace/link", 1000), apiServerExit(WorkspaceShell.OUTSIDE));
        assertEquals("path 'link' leads outside the workspace (through a symlink)",
                assertThrows(SandboxException.class, () -> sandbox.readFile("link", 1000)).getMessage());
        assertEquals("path '../etc/passwd' is outside the workspace /workspace",
                assertThrows(SandboxException.class, () -> sandbox.readFile("../etc/passwd", 1000)).getMessage());
    }

    @Test
    void aFileIsWrittenAsExactlyItsBytesOnStdinWithoutNeedingEof() throws Exception {
        String content = "#!/bin/sh\nwc -w < inputs/notes.txt\n";
        server.expect().get().withPath(execPath(WorkspaceShell.writeFileFromStdin("/workspace", "/workspace/count.sh",
                        content.getBytes(StandardCharsets.UTF_8).length), true))
                .andUpgradeToWebSocket().open()
                // Channel 0 is stdin: the frame must be exactly the file's bytes.
                .expect("\u0000" + content).andEmit(new StatusStreamMessage(0)).once()
                .done().once();
        sandbox.writeFile("count.sh", content.getBytes(StandardCharsets.UTF_8));
    }

    @TempDir
    Path snapshotBase;

    @Test
    void aSnapshotStreamsFromStdoutToAFileAndIsRestoredAsExactlyItsBytesOnStdin() throws Exception {
        answer(WorkspaceShell.snapshot("/workspace"), new OutputStreamMessage("tar part one, "),
                new OutputStreamMessage("tar part two"), new StatusStreamMessage(0));
        SnapshotStore store = SnapshotStore.open(snapshotBase, 1024 * 1024, 2 * 1024 * 1024);
        SnapshotStore.Snapshot snapshot = store.take(sandbox);
        String archive = "tar part one, tar part two";
        assertEquals(archive, Files.readString(snapshot.file()));
        assertEquals(archive.length(), store.usedBytes());

        server.expect().get().withPath(execPath(WorkspaceShell.restoreFromStdin("/workspace", archive.length()), true))
                .andUpgradeToWebSocket().open()
                // v4 cannot half-close stdin: exactly the archive's bytes, which head -c takes to tar.
                .expect("\u0000" + archive).andEmit(new StatusStreamMessage(0)).once()
                .done().once();
        try (InputStream in = Files.newInputStream(snapshot.file())) {
            sandbox.restore(in, snapshot.size());
        }
        store.discard(snapshot);
        assertEquals(0, store.usedBytes());
    }

    @Test
    void aSnapshotBeyondThePerRunCapIsRefusedWhileStreaming() throws Exception {
        answer(WorkspaceShell.snapshot("/workspace"), new OutputStreamMessage("x".repeat(50_000)),
                new OutputStreamMessage("x".repeat(50_000)), new StatusStreamMessage(0));
        SnapshotChecks.refusedBeyondThePerRunCap(sandbox, snapshotBase);
    }

    @Test
    void listingsAreParsedFromTheScriptsRecords() throws Exception {
        answer(WorkspaceShell.listFiles("/workspace", "/workspace"),
                new OutputStreamMessage("f\t12\tnotes.txt\0d\t0\tinputs\0f\t3\twith\ttab\0"), new StatusStreamMessage(0));
        assertEquals(List.of(new WorkspaceFile("inputs", true, 0), new WorkspaceFile("notes.txt", false, 12),
                new WorkspaceFile("with\ttab", false, 3)), sandbox.listFiles(null));
    }

    @Test
    void aStreamThatClosesWithoutAStatusIsAnError() throws Exception {
        answer(WorkspaceShell.exec("/workspace", "true"), new OutputStreamMessage("x"));
        SandboxException e = assertThrows(SandboxException.class, () -> sandbox.exec("true", null, Duration.ofSeconds(10), 10));
        assertEquals("the exec stream of sandbox " + POD + " closed without an exit status", e.getMessage());
    }

    @Test
    void execInAPodThatIsGoneSaysSo() {
        client.pods().inNamespace(NS).withName(POD).delete();
        SandboxException e = assertThrows(SandboxException.class, () -> sandbox.exec("true", null, Duration.ofSeconds(10), 10));
        assertTrue(e.getMessage().startsWith("sandbox " + POD + " is gone") || e.getMessage().contains("refused exec"),
                e.getMessage());
        assertFalse(sandbox.alive());
    }
}
