package dev.agentharness.runtime.sandbox;

import java.util.ArrayList;
import java.util.List;

/**
 * The lexical rule every provider applies to the paths a model names ({@code notes.txt},
 * {@code /workspace/notes.txt}, {@code a/../b}): normalised, and refused when it leaves the
 * manifest root by {@code ..} or by being absolute elsewhere — before any call reaches a sandbox.
 * Symlinks are checked where the files are (the local provider on the host, the remote ones by
 * {@link WorkspaceShell}).
 */
public final class WorkspacePath {

    private WorkspacePath() {
    }

    /** The workspace-relative, normalised form of {@code path}; "" is the workspace itself. */
    public static String relative(String root, String path) throws SandboxException {
        if (path == null || path.isBlank() || path.equals(".")) {
            return "";
        }
        if (path.indexOf('\0') >= 0) {
            throw new SandboxException("path must not contain NUL");
        }
        String rest = path;
        if (path.startsWith("/")) {
            if (path.equals(root) || path.equals(root + "/")) {
                return "";
            }
            if (!path.startsWith(root + "/")) {
                throw new SandboxException("path '" + path + "' is outside the workspace " + root);
            }
            rest = path.substring(root.length() + 1);
        }
        List<String> segments = new ArrayList<>();
        for (String segment : rest.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                if (segments.isEmpty()) {
                    throw new SandboxException("path '" + path + "' is outside the workspace " + root);
                }
                segments.removeLast();
            } else {
                segments.add(segment);
            }
        }
        return String.join("/", segments);
    }

    /** The absolute, normalised path inside the sandbox ({@code /workspace/outputs/x.txt}). */
    public static String absolute(String root, String path) throws SandboxException {
        String relative = relative(root, path);
        return relative.isEmpty() ? root : root + "/" + relative;
    }
}
