package dev.agentharness.runtime.sandbox;

import java.util.ArrayList;
import java.util.List;

/**
 * The lexical rule every provider applies to the paths a model names: {@code notes.txt} and
 * {@code /workspace/notes.txt} are the same file, and nothing may leave the workspace root by
 * {@code ..} or by being absolute elsewhere. Checked before any call reaches a sandbox.
 */
public final class WorkspacePath {

    private WorkspacePath() {
    }

    /** The workspace-relative, normalised form of {@code path}; "" is the workspace itself. */
    public static String relative(String path, String root) throws SandboxException {
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

    /** The absolute path inside the sandbox: {@code root} or {@code root/relative}. */
    public static String absolute(String path, String root) throws SandboxException {
        String relative = relative(path, root);
        return relative.isEmpty() ? root : root + "/" + relative;
    }
}
