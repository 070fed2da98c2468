package dev.agentharness.runtime.sandbox.local;

import dev.agentharness.runtime.sandbox.SandboxException;
import dev.agentharness.runtime.sandbox.WorkspacePath;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Maps the paths a model names ({@code notes.txt}, {@code /workspace/notes.txt}) onto the host
 * directory that backs the workspace, and refuses anything that would leave it. The model can
 * create symlinks inside the sandbox ({@code ln -s /etc x}); the harness reads and writes on the
 * host side, so every existing path component is resolved and checked before it is used.
 */
final class WorkspacePaths {

    private final Path hostDir;
    private final String root;

    WorkspacePaths(Path hostDir, String root) {
        this.hostDir = hostDir;
        this.root = root;
    }

    /** The workspace-relative, normalised form of {@code path}; "" is the workspace itself. */
    String relative(String path) throws SandboxException {
        return WorkspacePath.relative(root, path);
    }

    /**
     * The host path for {@code path}, after checking that it — and, when it does not exist yet,
     * its nearest existing ancestor — really lies inside the workspace once symlinks are followed.
     */
    Path resolve(String path) throws SandboxException {
        String relative = relative(path);
        Path target = relative.isEmpty() ? hostDir : hostDir.resolve(relative);
        try {
            Path realRoot = hostDir.toRealPath();
            Path existing = target;
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            if (existing == null || !existing.toRealPath().startsWith(realRoot)) {
                throw new SandboxException("path '" + path + "' leads outside the workspace (through a symlink)");
            }
            return target;
        } catch (IOException e) {
            throw new SandboxException("cannot resolve path '" + path + "': " + e.getClass().getSimpleName());
        }
    }
}
