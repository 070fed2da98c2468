package dev.agentharness.runtime.sandbox.cloudflare;

import dev.agentharness.runtime.sandbox.ExecResult;
import dev.agentharness.runtime.sandbox.Sandbox;
import dev.agentharness.runtime.sandbox.SandboxException;
import dev.agentharness.runtime.sandbox.SnapshotInput;
import dev.agentharness.runtime.sandbox.WorkspaceFile;
import dev.agentharness.runtime.sandbox.WorkspacePath;
import dev.agentharness.runtime.sandbox.WorkspaceShell;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;

/**
 * One Cloudflare sandbox (a Durable Object and its container) behind the bridge Worker. The
 * workspace is always {@code /workspace}: the Worker's persist and hydrate are fixed to it.
 * Files the Worker cannot list or check are handled with {@link WorkspaceShell} scripts over exec.
 */
final class CloudflareSandbox implements Sandbox {

    static final String ROOT = "/workspace";
    private static final Duration HELPER_TIMEOUT = Duration.ofSeconds(60);
    private static final int HELPER_OUTPUT = 4 * 1024 * 1024;

    private final String id;
    private final String runId;
    private final CloudflareWorkerClient worker;
    private final Runnable onDestroy;
    private volatile boolean destroyed;

    CloudflareSandbox(String id, String runId, CloudflareWorkerClient worker, Runnable onDestroy) {
        this.id = id;
        this.runId = runId;
        this.worker = worker;
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
        String directory = WorkspacePath.absolute(ROOT, workdir);
        if (!directory.equals(ROOT)) {
            helper(WorkspaceShell.checkDirectory(ROOT, directory), "workdir", workdir, 0);
        }
        return worker.exec(id, WorkspaceShell.exec(directory, command), timeout, maxOutputBytes).toResult();
    }

    /**
     * Lexically checked here; the Worker resolves the path inside the container and answers 403 when it
     * leaves {@code /workspace} (the Agents SDK relies on that too).
     */
    @Override
    public byte[] readFile(String path, int maxBytes) throws SandboxException {
        requireAlive();
        String absolute = WorkspacePath.absolute(ROOT, path);
        if (absolute.equals(ROOT)) {
            throw new SandboxException("'" + path + "' is a directory; use list_files");
        }
        byte[] content = worker.readFile(id, absolute, path, maxBytes);
        if (content == null) {
            throw new SandboxException("no such file: '" + path + "'");
        }
        return content;
    }

    @Override
    public void writeFile(String path, byte[] content) throws SandboxException {
        requireAlive();
        String absolute = WorkspacePath.absolute(ROOT, path);
        if (absolute.equals(ROOT)) {
            throw new SandboxException("write_file needs a file path, not the workspace root");
        }
        // Parent directories (and the symlink check) first: the Worker's PUT need not create them.
        helper(WorkspaceShell.prepareWrite(ROOT, absolute), "write", path, 0);
        worker.writeFile(id, absolute, path, content);
    }

    @Override
    public List<WorkspaceFile> listFiles(String path) throws SandboxException {
        requireAlive();
        String absolute = WorkspacePath.absolute(ROOT, path);
        return WorkspaceShell.parseListing(helper(WorkspaceShell.listFiles(ROOT, absolute), "list", path, 0));
    }

    @Override
    public void snapshot(OutputStream target) throws SandboxException {
        requireAlive();
        worker.persist(id, target);
    }

    @Override
    public void restore(InputStream snapshot, long length) throws SandboxException {
        requireAlive();
        helper(WorkspaceShell.clear(ROOT), "clear", ROOT, 0);
        worker.hydrate(id, new SnapshotInput(snapshot, length), length);
    }

    @Override
    public boolean alive() {
        return !destroyed && worker.running(id);
    }

    @Override
    public void destroy() {
        destroyed = true;
        onDestroy.run();
    }

    void materialise(List<String> directories, java.util.Map<String, byte[]> files) throws SandboxException {
        helper(WorkspaceShell.makeDirectories(ROOT, directories), "create", ROOT, 0);
        for (var file : files.entrySet()) {
            worker.writeFile(id, file.getKey(), file.getKey(), file.getValue());
        }
    }

    private byte[] helper(List<String> argv, String operation, String path, int maxBytes) throws SandboxException {
        CloudflareWorkerClient.ExecOutcome outcome = worker.exec(id, argv, HELPER_TIMEOUT, HELPER_OUTPUT);
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
