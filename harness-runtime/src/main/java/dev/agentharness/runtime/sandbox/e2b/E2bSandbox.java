package dev.agentharness.runtime.sandbox.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.runtime.sandbox.ExecResult;
import dev.agentharness.runtime.sandbox.Sandbox;
import dev.agentharness.runtime.sandbox.SandboxException;
import dev.agentharness.runtime.sandbox.SnapshotInput;
import dev.agentharness.runtime.sandbox.WorkspaceFile;
import dev.agentharness.runtime.sandbox.WorkspacePath;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * One E2B sandbox serving one run. Paths are checked lexically against the workspace root before
 * any call ({@link WorkspacePath}); symlinks are resolved by envd inside the microVM, which holds
 * nothing of the harness. A sandbox that E2B paused is resumed ({@code POST /connect}) by
 * {@link #alive()}; one that was killed or expired reads as dead, and the run's
 * {@code RunSandbox} replaces it from its last snapshot.
 */
final class E2bSandbox implements Sandbox {

    private static final Logger LOG = Logger.getLogger(E2bSandbox.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    static final Duration ARCHIVE_TIMEOUT = Duration.ofMinutes(2);
    private static final String SHELL = "/bin/sh";

    private final String id;
    private final String runId;
    private final String root;
    private final ControlPlaneClient control;
    private final Function<ControlPlaneClient.SandboxInfo, EnvdClient> envdFor;
    private final Instant expiresAt;
    private volatile EnvdClient envd;
    private volatile boolean destroyed;

    E2bSandbox(ControlPlaneClient.SandboxInfo info, String runId, String root, Instant expiresAt,
               ControlPlaneClient control, Function<ControlPlaneClient.SandboxInfo, EnvdClient> envdFor) {
        this.id = info.sandboxId();
        this.runId = runId;
        this.root = root;
        this.expiresAt = expiresAt;
        this.control = control;
        this.envdFor = envdFor;
        this.envd = envdFor.apply(info);
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String runId() {
        return runId;
    }

    String root() {
        return root;
    }

    @Override
    public ExecResult exec(String command, String workdir, Duration timeout, int maxOutputBytes) throws SandboxException {
        String cwd = WorkspacePath.absolute(root, workdir);
        Utf8StreamDecoder stdout = new Utf8StreamDecoder(maxOutputBytes);
        Utf8StreamDecoder stderr = new Utf8StreamDecoder(maxOutputBytes);
        long started = System.nanoTime();
        ProcessStream.Outcome outcome = run(List.of(SHELL, "-c", command), cwd, timeout, new ProcessStream.Sink() {
            @Override
            public void stdout(byte[] chunk) {
                stdout.accept(chunk);
            }

            @Override
            public void stderr(byte[] chunk) {
                stderr.accept(chunk);
            }
        });
        Duration wall = Duration.ofNanos(System.nanoTime() - started);
        boolean timedOut = outcome.error().map(e -> e.code().equals("deadline_exceeded")).orElse(false);
        if (outcome.error().isPresent() && !timedOut) {
            ProcessStream.ConnectError error = outcome.error().get();
            if (error.code().equals("invalid_argument") && error.message().contains("cwd")) {
                throw new SandboxException("workdir '" + workdir + "' is not a directory in the workspace");
            }
            throw new SandboxException("the sandbox could not run the command: " + error);
        }
        if (!timedOut && !outcome.ended()) {
            throw new SandboxException("the command's output stream ended without its exit status");
        }
        return new ExecResult(timedOut ? ExecResult.TIMED_OUT_EXIT_CODE : outcome.exitCode(), stdout.finish(),
                stderr.finish(), stdout.truncated(), stderr.truncated(), timedOut, wall);
    }

    @Override
    public byte[] readFile(String path, int maxBytes) throws SandboxException {
        String absolute = WorkspacePath.absolute(root, path);
        byte[] content;
        try {
            content = envd.download(absolute, maxBytes);
        } catch (EnvdClient.EnvdException e) {
            throw switch (e.status()) {
                case 404 -> new SandboxException("no such file: '" + path + "'");
                case 400 -> new SandboxException("'" + path + "' is a directory; use list_files");
                default -> gone(e);
            };
        }
        if (content.length > maxBytes) {
            throw new SandboxException("'" + path + "' is larger than " + maxBytes + " bytes; read it in parts with exec_command");
        }
        return content;
    }

    @Override
    public void writeFile(String path, byte[] content) throws SandboxException {
        if (WorkspacePath.relative(root, path).isEmpty()) {
            throw new SandboxException("write_file needs a file path, not the workspace root");
        }
        try {
            envd.upload(WorkspacePath.absolute(root, path), content);
        } catch (EnvdClient.EnvdException e) {
            throw e.status() == 400 ? new SandboxException("cannot write '" + path + "': it is a directory") : gone(e);
        }
    }

    @Override
    public List<WorkspaceFile> listFiles(String path) throws SandboxException {
        String absolute = WorkspacePath.absolute(root, path);
        JsonNode answer;
        try {
            answer = envd.unary("filesystem.Filesystem/ListDir", JSON.createObjectNode().put("path", absolute).put("depth", 1));
        } catch (EnvdClient.EnvdException e) {
            if (e.status() == 404 || e.status() == 400) {
                throw new SandboxException("'" + (path == null ? "" : path) + "' is not a directory in the workspace");
            }
            throw gone(e);
        }
        List<WorkspaceFile> files = new ArrayList<>();
        // protojson omits an empty repeated field: an empty directory answers {}.
        for (JsonNode entry : answer.path("entries")) {
            String type = entry.path("type").asText();
            boolean directory = type.equals("FILE_TYPE_DIRECTORY");
            if (!directory && !type.equals("FILE_TYPE_FILE") && !type.equals("FILE_TYPE_SYMLINK")) {
                continue;
            }
            // int64 travels as a JSON string in protojson; absent means 0.
            long size = directory ? 0 : Long.parseLong(entry.path("size").asText("0"));
            files.add(new WorkspaceFile(entry.path("name").asText(), directory, size));
        }
        files.sort(Comparator.comparing(WorkspaceFile::name));
        return files;
    }

    /**
     * tar runs inside the sandbox and its raw bytes come back as stdout (envd base64-encodes them
     * per chunk); each chunk goes straight into {@code target}. Once {@code target} refuses bytes
     * the rest of the stream is read and dropped.
     */
    @Override
    public void snapshot(OutputStream target) throws SandboxException {
        Utf8StreamDecoder errors = new Utf8StreamDecoder(16 * 1024);
        boolean[] refused = {false};
        ProcessStream.Outcome outcome = run(List.of("tar", "-C", root, "-cf", "-", "."), root, ARCHIVE_TIMEOUT,
                new ProcessStream.Sink() {
                    @Override
                    public void stdout(byte[] chunk) {
                        if (refused[0]) {
                            return;
                        }
                        try {
                            target.write(chunk);
                        } catch (IOException e) {
                            refused[0] = true;
                        }
                    }

                    @Override
                    public void stderr(byte[] chunk) {
                        errors.accept(chunk);
                    }
                });
        if (refused[0]) {
            throw new SandboxException("the snapshot was refused before the archive was complete");
        }
        if (outcome.error().isPresent() || !outcome.ended() || outcome.exitCode() != 0) {
            throw new SandboxException("snapshot failed: " + outcome.error().map(Object::toString).orElse(errors.finish().strip()));
        }
    }

    /** The archive is uploaded (streamed) next to the workspace and extracted inside the sandbox. */
    @Override
    public void restore(InputStream snapshot, long length) throws SandboxException {
        String archive = "/tmp/harness-restore-" + HexFormat.of().formatHex(randomBytes()) + ".tar";
        try {
            envd.upload(archive, new SnapshotInput(snapshot, length), length, ARCHIVE_TIMEOUT);
        } catch (EnvdClient.EnvdException e) {
            throw gone(e);
        }
        Utf8StreamDecoder errors = new Utf8StreamDecoder(16 * 1024);
        ProcessStream.Outcome outcome = run(List.of(SHELL, "-c",
                "find \"$1\" -mindepth 1 -delete && tar --no-same-owner -C \"$1\" -xf \"$2\"; status=$?; rm -f \"$2\"; exit $status",
                "restore", root, archive), "/", ARCHIVE_TIMEOUT, discardingStdout(errors));
        if (outcome.error().isPresent() || !outcome.ended() || outcome.exitCode() != 0) {
            throw new SandboxException("restore failed: " + outcome.error().map(Object::toString).orElse(errors.finish().strip()));
        }
    }

    /**
     * Asks the control plane. A paused sandbox is resumed here (with a fresh envd token from the
     * connect answer); an unanswerable control plane counts as alive, so the next call reports the
     * real failure instead of replacing a healthy sandbox.
     */
    @Override
    public boolean alive() {
        if (destroyed) {
            return false;
        }
        try {
            Optional<ControlPlaneClient.SandboxInfo> info = control.get(id);
            if (info.isEmpty()) {
                return false;
            }
            if ("paused".equals(info.get().state())) {
                Duration left = Duration.between(Instant.now(), expiresAt);
                ControlPlaneClient.SandboxInfo resumed = control.connect(id, left.isNegative() ? Duration.ofMinutes(1) : left);
                envd = envdFor.apply(resumed);
                LOG.infof("sandbox %s was paused; resumed it", id);
            }
            return true;
        } catch (E2bException e) {
            LOG.warnf("sandbox %s: cannot ask E2B whether it is alive (%s); assuming it is", id, e.getMessage());
            return true;
        }
    }

    @Override
    public void destroy() {
        destroyed = true;
        try {
            control.kill(id);
        } catch (E2bException e) {
            LOG.warnf("sandbox %s: kill failed (%s); the reaper will retry", id, e.getMessage());
        }
    }

    /** Runs a provisioning step (as the workspace is set up, before the run sees it). */
    void provision(List<String> argv, Duration timeout, String what) throws SandboxException {
        Utf8StreamDecoder errors = new Utf8StreamDecoder(16 * 1024);
        ProcessStream.Outcome outcome = run(argv, "/", timeout, discardingStdout(errors));
        if (outcome.error().isPresent() || !outcome.ended() || outcome.exitCode() != 0) {
            throw new SandboxException(what + " failed: "
                    + outcome.error().map(Object::toString).orElse("exit " + outcome.exitCode() + ": " + errors.finish().strip()));
        }
    }

    void upload(String absolute, byte[] content) throws SandboxException {
        envd.upload(absolute, content);
    }

    private ProcessStream.Outcome run(List<String> argv, String cwd, Duration timeout, ProcessStream.Sink sink)
            throws SandboxException {
        try {
            return envd.start(argv, cwd, timeout, sink);
        } catch (EnvdClient.EnvdException e) {
            throw gone(e);
        }
    }

    private SandboxException gone(EnvdClient.EnvdException e) {
        return e.status() == 502 ? new SandboxException("sandbox " + id + " is gone (E2B reports it is not running)") : e;
    }

    private static ProcessStream.Sink discardingStdout(Utf8StreamDecoder errors) {
        return new ProcessStream.Sink() {
            @Override
            public void stdout(byte[] chunk) {
            }

            @Override
            public void stderr(byte[] chunk) {
                errors.accept(chunk);
            }
        };
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
