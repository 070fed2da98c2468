package dev.agentharness.runtime.sandbox;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The POSIX shell scripts that remote providers (Kubernetes, Cloudflare) run inside a sandbox for
 * the file operations their APIs lack, and the meaning of their exit codes. Every script is run as
 * {@code /bin/sh -c SCRIPT sh ARG...}: paths travel as separate argv entries, never spliced into
 * the script, so no quoting can go wrong. They need only sh, readlink -f, stat -c, head -c, tar and
 * find — present in busybox and in Debian-based images alike.
 *
 * <p>Inside the sandbox a symlink can point anywhere in the sandbox's own filesystem (never at the
 * harness), but the SPI refuses paths that resolve outside the workspace all the same, so
 * every path is resolved with {@code readlink -f} — its nearest existing ancestor when it does not
 * exist yet — and must stay under the root.
 */
public final class WorkspaceShell {

    /** Exit codes of the scripts below (chosen above what the scripts' own commands return). */
    public static final int OUTSIDE = 3;
    public static final int IS_DIRECTORY = 4;
    public static final int MISSING = 5;
    public static final int TOO_LARGE = 6;
    public static final int CANNOT_CREATE = 7;
    public static final int NOT_REGULAR = 8;

    /** {@code inside ROOT PATH}: true when PATH (or its nearest existing ancestor) resolves under ROOT. */
    private static final String INSIDE = """
            inside() {
              p=$2
              while [ ! -e "$p" ] && [ ! -L "$p" ]; do p=$(dirname "$p"); done
              r=$(readlink -f "$p") || return 1
              case "$r/" in "$1"/*) return 0 ;; esac
              return 1
            }
            """;

    /**
     * Only a regular file is read: a FIFO would block {@code cat} (and the open) until its other end appears. The
     * file is opened once, read-write where allowed (which never blocks, even on a FIFO swapped in after the
     * checks), and the opened descriptor itself must be a regular file; size and content are read through it.
     */
    private static final String READ = INSIDE + """
            inside "$1" "$2" || exit 3
            if [ -d "$2" ]; then exit 4; fi
            if [ -e "$2" ] && [ ! -f "$2" ]; then exit 8; fi
            [ -f "$2" ] || exit 5
            if (: 3<>"$2") 2>/dev/null; then exec 3<>"$2"; else exec 3<"$2"; fi
            [ -f /proc/self/fd/3 ] || exit 8
            if [ $(($(wc -c < /proc/self/fd/3))) -gt "$3" ]; then exit 6; fi
            exec cat <&3
            """;

    private static final String PREPARE_WRITE = INSIDE + """
            inside "$1" "$2" || exit 3
            mkdir -p "$(dirname "$2")" 2>/dev/null || exit 7
            inside "$1" "$2" || exit 3
            if [ -d "$2" ]; then exit 4; fi
            """;

    private static final String LIST = INSIDE + """
            inside "$1" "$2" || exit 3
            [ -d "$2" ] || exit 5
            for f in "$2"/* "$2"/.[!.]* "$2"/..?*; do
              [ -e "$f" ] || [ -L "$f" ] || continue
              if [ -d "$f" ] && [ ! -L "$f" ]; then printf 'd\\t0\\t%s\\0' "${f##*/}"
              else printf 'f\\t%s\\t%s\\0' "$(stat -c %s "$f")" "${f##*/}"; fi
            done
            """;

    private static final String CHECK_DIR = INSIDE + """
            inside "$1" "$2" || exit 3
            [ -d "$2" ] || exit 5
            """;

    private static final String MKDIRS = INSIDE + """
            r=$1; shift
            for d; do inside "$r" "$d" || exit 3; mkdir -p "$d" 2>/dev/null || exit 7; done
            """;

    private static final String EXEC = """
            cd "$1" || exit 125
            exec /bin/sh -c "$2"
            """;

    private static final String CLEAR = """
            find "$1" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
            """;

    private WorkspaceShell() {
    }

    private static List<String> sh(String script, String... args) {
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", script, "sh"));
        argv.addAll(List.of(args));
        return argv;
    }

    /** Prints the file; refuses directories, links out of the workspace and files above {@code maxBytes}. */
    public static List<String> readFile(String root, String path, int maxBytes) {
        return sh(READ, root, path, Integer.toString(maxBytes));
    }

    /** Creates the parent directories of {@code path} after checking where it leads. */
    public static List<String> prepareWrite(String root, String path) {
        return sh(PREPARE_WRITE, root, path);
    }

    /** {@link #prepareWrite} and then exactly {@code length} bytes of stdin into the file (no EOF needed). */
    public static List<String> writeFileFromStdin(String root, String path, int length) {
        return sh(PREPARE_WRITE + "head -c \"$3\" > \"$2\"\n", root, path, Integer.toString(length));
    }

    /** NUL-terminated records {@code d|f TAB size TAB name}; see {@link #parseListing}. */
    public static List<String> listFiles(String root, String path) {
        return sh(LIST, root, path);
    }

    public static List<String> checkDirectory(String root, String path) {
        return sh(CHECK_DIR, root, path);
    }

    public static List<String> makeDirectories(String root, List<String> paths) {
        List<String> args = new ArrayList<>(List.of(root));
        args.addAll(paths);
        return sh(MKDIRS, args.toArray(String[]::new));
    }

    /** {@code command} with {@code /bin/sh -c} in {@code directory}. */
    public static List<String> exec(String directory, String command) {
        return sh(EXEC, directory, command);
    }

    /** A tar archive of the workspace on stdout. */
    public static List<String> snapshot(String root) {
        return sh("exec tar -C \"$1\" -cf - .", root);
    }

    /** Empties the workspace (the root itself stays: it may be a mount point). */
    public static List<String> clear(String root) {
        return sh(CLEAR, root);
    }

    /** Empties the workspace, then extracts exactly {@code length} bytes of tar from stdin into it. */
    public static List<String> restoreFromStdin(String root, long length) {
        return sh(CLEAR + "head -c \"$2\" | tar -C \"$1\" -xf -\n", root, Long.toString(length));
    }

    /**
     * The message for a script's failure, written for the model: what went wrong with which path
     * (as the model named it), never a host detail.
     */
    public static SandboxException failure(String operation, String path, int exitCode, byte[] stderr, int maxBytes) {
        String named = path == null || path.isEmpty() ? "." : path;
        return new SandboxException(switch (exitCode) {
            case OUTSIDE -> "path '" + named + "' leads outside the workspace (through a symlink)";
            case IS_DIRECTORY -> "'" + named + "' is a directory; use list_files";
            case MISSING -> switch (operation) {
                case "read" -> "no such file: '" + named + "'";
                case "workdir" -> "workdir '" + named + "' is not a directory in the workspace";
                default -> "'" + named + "' is not a directory in the workspace";
            };
            case TOO_LARGE -> "'" + named + "' is larger than " + maxBytes + " bytes; read it in parts with exec_command";
            case CANNOT_CREATE -> "cannot create the directories for '" + named + "'";
            case NOT_REGULAR -> "'" + named + "' is not a regular file (a FIFO, socket or device); read_file reads "
                    + "only regular files";
            default -> operation + " of '" + named + "' failed (exit " + exitCode + ")" + detail(stderr);
        });
    }

    private static String detail(byte[] stderr) {
        String text = stderr == null ? "" : new String(stderr, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
            return "";
        }
        return ": " + (text.length() > 300 ? text.substring(0, 300) + "…" : text);
    }

    /** The records printed by {@link #listFiles}, sorted by name. */
    public static List<WorkspaceFile> parseListing(byte[] output) {
        List<WorkspaceFile> files = new ArrayList<>();
        String text = new String(output, StandardCharsets.UTF_8);
        for (String record : text.split("\0")) {
            String[] fields = record.split("\t", 3);
            if (fields.length != 3) {
                continue;
            }
            boolean directory = fields[0].equals("d");
            long size;
            try {
                size = Long.parseLong(fields[1].strip());
            } catch (NumberFormatException e) {
                size = 0;
            }
            files.add(new WorkspaceFile(fields[2], directory, directory ? 0 : size));
        }
        files.sort(Comparator.comparing(WorkspaceFile::name));
        return files;
    }
}
