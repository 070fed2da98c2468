package dev.agentharness.runtime.sandbox.local;

import dev.agentharness.runtime.sandbox.ExecResult;
import dev.agentharness.runtime.sandbox.Sandbox;
import dev.agentharness.runtime.sandbox.SandboxException;
import dev.agentharness.runtime.sandbox.SnapshotInput;
import dev.agentharness.runtime.sandbox.WorkspaceFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A bubblewrap sandbox: a host directory that is the workspace, and a fresh set of namespaces for
 * every command. Nothing runs between commands, so "alive" means "its workspace still exists".
 */
final class LocalSandbox implements Sandbox {

    private static final Duration ARCHIVE_TIMEOUT = Duration.ofMinutes(2);

    private final String id;
    private final String runId;
    private final Path home;
    private final Path workspace;
    private final String root;
    private final Bubblewrap bubblewrap;
    private final WorkspacePaths paths;
    private volatile boolean destroyed;

    LocalSandbox(String id, String runId, Path home, String root, Bubblewrap bubblewrap) {
        this.id = id;
        this.runId = runId;
        this.home = home;
        this.workspace = home.resolve("workspace");
        this.root = root;
        this.bubblewrap = bubblewrap;
        this.paths = new WorkspacePaths(workspace, root);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String runId() {
        return runId;
    }

    Path workspace() {
        return workspace;
    }

    @Override
    public ExecResult exec(String command, String workdir, Duration timeout, int maxOutputBytes) throws SandboxException {
        requireAlive();
        String relative = paths.relative(workdir);
        Path dir = paths.resolve(relative);
        if (!Files.isDirectory(dir)) {
            throw new SandboxException("workdir '" + workdir + "' is not a directory in the workspace");
        }
        String chdir = relative.isEmpty() ? root : root + "/" + relative;
        ProcessRunner.Outcome outcome = run(chdir, List.of("/bin/sh", "-c", command), null, timeout, maxOutputBytes);
        return new ExecResult(outcome.timedOut() ? ExecResult.TIMED_OUT_EXIT_CODE : outcome.exitCode(),
                new String(outcome.stdout(), StandardCharsets.UTF_8), new String(outcome.stderr(), StandardCharsets.UTF_8),
                outcome.stdoutTruncated(), outcome.stderrTruncated(), outcome.timedOut(), outcome.wallTime());
    }

    @Override
    public byte[] readFile(String path, int maxBytes) throws SandboxException {
        requireAlive();
        Path file = paths.resolve(path);
        if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new SandboxException("'" + path + "' is a directory; use list_files");
        }
        if (!RegularFiles.existsAsRegularFile(file, path)) {
            throw new SandboxException("no such file: '" + path + "'");
        }
        byte[] content = RegularFiles.withDeadline(file, path, () -> {
            try (InputStream in = Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                return in.readNBytes(maxBytes + 1);
            }
        });
        if (content.length > maxBytes) {
            throw new SandboxException("'" + path + "' is larger than " + maxBytes + " bytes; read it in parts with exec_command");
        }
        return content;
    }

    @Override
    public void writeFile(String path, byte[] content) throws SandboxException {
        requireAlive();
        if (paths.relative(path).isEmpty()) {
            throw new SandboxException("write_file needs a file path, not the workspace root");
        }
        Path file = paths.resolve(path);
        try {
            Files.createDirectories(file.getParent());
            bubblewrap.handOver(workspace, file.getParent());
        } catch (IOException e) {
            throw new SandboxException("cannot write '" + path + "': " + e.getClass().getSimpleName());
        }
        // createDirectories may have walked a symlink created since resolve(): check again, then refuse links.
        paths.resolve(path);
        RegularFiles.existsAsRegularFile(file, path);
        RegularFiles.withDeadline(file, path, () -> {
            Files.write(file, content, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            bubblewrap.handOver(workspace, file);
            return null;
        });
    }

    @Override
    public List<WorkspaceFile> listFiles(String path) throws SandboxException {
        requireAlive();
        Path dir = paths.resolve(path);
        if (!Files.isDirectory(dir)) {
            throw new SandboxException("'" + (path == null ? "" : path) + "' is not a directory in the workspace");
        }
        List<WorkspaceFile> files = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            for (Path child : children) {
                BasicFileAttributes attributes = Files.readAttributes(child, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                files.add(new WorkspaceFile(child.getFileName().toString(), attributes.isDirectory(),
                        attributes.isDirectory() ? 0 : attributes.size()));
            }
        } catch (IOException e) {
            throw new SandboxException("cannot list '" + path + "': " + e.getClass().getSimpleName());
        }
        files.sort(Comparator.comparing(WorkspaceFile::name));
        return files;
    }

    /**
     * tar runs inside the sandbox, so a hostile workspace (symlinks, odd names) never touches the
     * host's tar; its output is streamed into {@code target}, which may stop it by refusing bytes.
     */
    @Override
    public void snapshot(OutputStream target) throws SandboxException {
        requireAlive();
        ProcessRunner.Streamed outcome = stream(List.of("tar", "-C", root, "-cf", "-", "."), null, target);
        if (outcome.sinkFailed()) {
            throw new SandboxException("the snapshot was refused before the archive was complete");
        }
        if (outcome.timedOut() || outcome.exitCode() != 0) {
            throw new SandboxException("snapshot failed: " + (outcome.timedOut() ? "timed out after " + ARCHIVE_TIMEOUT
                    : new String(outcome.stderr(), StandardCharsets.UTF_8).strip()));
        }
    }

    /** Extracted inside the sandbox: an archive's absolute or {@code ..} names cannot reach the host. */
    @Override
    public void restore(InputStream snapshot, long length) throws SandboxException {
        requireAlive();
        try {
            clearWorkspace();
        } catch (IOException e) {
            throw new SandboxException("cannot clear the workspace before restoring: " + e.getClass().getSimpleName());
        }
        ProcessRunner.Streamed outcome = stream(List.of("tar", "-C", root, "-xf", "-"), new SnapshotInput(snapshot, length),
                OutputStream.nullOutputStream());
        if (outcome.timedOut() || outcome.exitCode() != 0) {
            throw new SandboxException("restore failed: " + (outcome.timedOut() ? "timed out after " + ARCHIVE_TIMEOUT
                    : new String(outcome.stderr(), StandardCharsets.UTF_8).strip()));
        }
    }

    @Override
    public boolean alive() {
        return !destroyed && Files.isDirectory(workspace, LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public void destroy() {
        destroyed = true;
        LocalSandboxProvider.deleteTree(home);
    }

    private ProcessRunner.Outcome run(String chdir, List<String> command, byte[] stdin, Duration timeout, int maxBytes)
            throws SandboxException {
        try {
            return ProcessRunner.run(bubblewrap.command(workspace, root, chdir, command), stdin, timeout, maxBytes);
        } catch (IOException e) {
            throw new SandboxException("the sandbox could not start the command: " + e.getClass().getSimpleName());
        }
    }

    private ProcessRunner.Streamed stream(List<String> command, InputStream stdin, OutputStream stdout)
            throws SandboxException {
        try {
            return ProcessRunner.stream(bubblewrap.command(workspace, root, root, command), stdin, stdout,
                    ARCHIVE_TIMEOUT, 64 * 1024);
        } catch (IOException e) {
            throw new SandboxException("the sandbox could not start the command: " + e.getClass().getSimpleName());
        }
    }

    private void requireAlive() throws SandboxException {
        if (!alive()) {
            throw new SandboxException("sandbox " + id + " is gone");
        }
    }

    private void clearWorkspace() throws IOException {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(workspace)) {
            for (Path child : children) {
                LocalSandboxProvider.deleteTree(child);
            }
        }
    }
}
