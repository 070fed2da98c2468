package dev.agentharness.runtime.sandbox.kubernetes;

import dev.agentharness.runtime.sandbox.ExecResult;
import dev.agentharness.runtime.sandbox.Sandbox;
import dev.agentharness.runtime.sandbox.SandboxException;
import dev.agentharness.runtime.sandbox.WorkspaceFile;
import dev.agentharness.runtime.sandbox.WorkspacePath;
import dev.agentharness.runtime.sandbox.WorkspaceShell;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * One sandbox Pod. Every operation is an exec through the API server: files are read with
 * {@code cat}, written from stdin with {@code head -c}, listed and checked with the
 * {@link WorkspaceShell} scripts; a snapshot is a tar of the workspace {@code emptyDir}.
 */
final class KubernetesSandbox implements Sandbox {

    private static final Duration HELPER_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration ARCHIVE_TIMEOUT = Duration.ofMinutes(2);
    private static final int HELPER_OUTPUT = 4 * 1024 * 1024;

    private final String id;
    private final String runId;
    private final String root;
    private final String namespace;
    private final KubernetesClient client;
    private final PodExec exec;
    private final Runnable onDestroy;
    private volatile boolean destroyed;

    KubernetesSandbox(String id, String runId, String root, String namespace, KubernetesClient client,
                      Runnable onDestroy) {
        this.id = id;
        this.runId = runId;
        this.root = root;
        this.namespace = namespace;
        this.client = client;
        this.exec = new PodExec(client, namespace);
        this.onDestroy = onDestroy;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String runId() {
        return runId;
    }

    @Override
    public ExecResult exec(String command, String workdir, Duration timeout, int maxOutputBytes) throws SandboxException {
        requireAlive();
        String directory = WorkspacePath.absolute(root, workdir);
        if (!directory.equals(root)) {
            helper(WorkspaceShell.checkDirectory(root, directory), null, "workdir", workdir, 0);
        }
        PodExec.Outcome outcome = exec.run(id, WorkspaceShell.exec(directory, command), null, timeout, maxOutputBytes);
        return new ExecResult(outcome.exitCode(), new String(outcome.stdout(), StandardCharsets.UTF_8),
                new String(outcome.stderr(), StandardCharsets.UTF_8), outcome.stdoutTruncated(), outcome.stderrTruncated(),
                outcome.timedOut(), outcome.wallTime());
    }

    @Override
    public byte[] readFile(String path, int maxBytes) throws SandboxException {
        requireAlive();
        String absolute = WorkspacePath.absolute(root, path);
        // One byte more than allowed is captured, so a file that grew after the size check still fails.
        PodExec.Outcome outcome = exec.run(id, WorkspaceShell.readFile(root, absolute, maxBytes), null, HELPER_TIMEOUT,
                maxBytes + 1);
        if (outcome.exitCode() != 0 || outcome.timedOut()) {
            throw WorkspaceShell.failure("read", path, outcome.exitCode(), outcome.stderr(), maxBytes);
        }
        if (outcome.stdoutTruncated() || outcome.stdout().length > maxBytes) {
            throw WorkspaceShell.failure("read", path, WorkspaceShell.TOO_LARGE, null, maxBytes);
        }
        return outcome.stdout();
    }

    @Override
    public void writeFile(String path, byte[] content) throws SandboxException {
        requireAlive();
        String absolute = WorkspacePath.absolute(root, path);
        if (absolute.equals(root)) {
            throw new SandboxException("write_file needs a file path, not the workspace root");
        }
        helper(WorkspaceShell.writeFileFromStdin(root, absolute, content.length), content, "write", path, 0);
    }

    @Override
    public List<WorkspaceFile> listFiles(String path) throws SandboxException {
        requireAlive();
        String absolute = WorkspacePath.absolute(root, path);
        return WorkspaceShell.parseListing(helper(WorkspaceShell.listFiles(root, absolute), null, "list", path, 0));
    }

    /** The tar comes back on the exec's stdout and goes straight into {@code target}. */
    @Override
    public void snapshot(OutputStream target) throws SandboxException {
        requireAlive();
        PodExec.Streamed outcome = exec.stream(id, WorkspaceShell.snapshot(root), null, 0, target, ARCHIVE_TIMEOUT,
                64 * 1024);
        if (outcome.sinkRefused()) {
            throw new SandboxException("the snapshot was refused before the archive was complete");
        }
        if (outcome.exitCode() != 0) {
            throw WorkspaceShell.failure("snapshot", root, outcome.exitCode(), outcome.stderr(), 0);
        }
    }

    /** Exactly {@code length} bytes go to the exec's stdin, where {@code head -c} takes them to tar. */
    @Override
    public void restore(InputStream snapshot, long length) throws SandboxException {
        requireAlive();
        PodExec.Streamed outcome = exec.stream(id, WorkspaceShell.restoreFromStdin(root, length), snapshot, length,
                OutputStream.nullOutputStream(), ARCHIVE_TIMEOUT, 64 * 1024);
        if (outcome.exitCode() != 0) {
            throw WorkspaceShell.failure("restore", root, outcome.exitCode(), outcome.stderr(), 0);
        }
    }

    /** The Pod exists, is not being deleted, and runs. */
    @Override
    public boolean alive() {
        if (destroyed) {
            return false;
        }
        try {
            Pod pod = client.pods().inNamespace(namespace).withName(id).get();
            return pod != null && pod.getMetadata().getDeletionTimestamp() == null
                    && pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase());
        } catch (KubernetesClientException e) {
            return false;
        }
    }

    @Override
    public void destroy() {
        destroyed = true;
        onDestroy.run();
    }

    void makeDirectories(List<String> directories) throws SandboxException {
        helper(WorkspaceShell.makeDirectories(root, directories), null, "create", root, 0);
    }

    private byte[] helper(List<String> argv, byte[] stdin, String operation, String path, int maxBytes)
            throws SandboxException {
        PodExec.Outcome outcome = exec.run(id, argv, stdin, HELPER_TIMEOUT, HELPER_OUTPUT);
        if (outcome.exitCode() != 0) {
            throw WorkspaceShell.failure(operation, path, outcome.exitCode(), outcome.stderr(), maxBytes);
        }
        return outcome.stdout();
    }

    private void requireAlive() throws SandboxException {
        if (destroyed) {
            throw new SandboxException("sandbox " + id + " is gone");
        }
    }
}
