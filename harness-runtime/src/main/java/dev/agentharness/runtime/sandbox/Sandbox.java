package dev.agentharness.runtime.sandbox;

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

    /** A tar archive of the whole workspace. */
    byte[] snapshot() throws SandboxException;

    /** Replaces the workspace with the contents of a {@link #snapshot()}. */
    void restore(byte[] snapshot) throws SandboxException;

    /** False once the sandbox was destroyed or lost (killed, expired, its host gone). */
    boolean alive();

    void destroy();
}
