package dev.agentharness.runtime.sandbox;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;

/**
 * One throwaway workspace. Paths are workspace-relative ({@code outputs/count.txt}) or absolute
 * under the manifest root ({@code /workspace/outputs/count.txt}); anything that resolves outside
 * the workspace — by {@code ..} or through a symlink — is refused with a {@link SandboxException}.
 */
public interface Sandbox {

    String id();

    /** The run this sandbox serves. */
    String runId();

    /**
     * Runs {@code command} with {@code /bin/sh -c} in the workspace (or {@code workdir} inside it).
     * A command still running after {@code timeout} is killed with all its children.
     *
     * @param maxOutputBytes per stream; more is dropped and flagged as truncated
     */
    ExecResult exec(String command, String workdir, Duration timeout, int maxOutputBytes) throws SandboxException;

    byte[] readFile(String path, int maxBytes) throws SandboxException;

    /** Creates missing parent directories. */
    void writeFile(String path, byte[] content) throws SandboxException;

    /** The direct children of a directory, sorted by name. */
    List<WorkspaceFile> listFiles(String path) throws SandboxException;

    /**
     * Streams a tar archive of the whole workspace into {@code target}, never holding it in memory.
     * {@code target} throws an {@link java.io.IOException} when it takes no more bytes (the
     * snapshot is too large); the provider then stops and throws.
     */
    void snapshot(OutputStream target) throws SandboxException;

    /** Replaces the workspace with a {@link #snapshot}: exactly {@code length} bytes read from {@code snapshot}. */
    void restore(InputStream snapshot, long length) throws SandboxException;

    /** False once the sandbox was destroyed or lost (killed, expired, its host gone). */
    boolean alive();

    void destroy();
}
