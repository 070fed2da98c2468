package dev.agentharness.runtime.sandbox.local;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The bwrap command line of a local sandbox: every namespace unshared, no capabilities, a
 * read-only view of the host's {@code /usr} (plus the few {@code /etc} files programs need) and
 * nothing else of the host — not its home, not the harness's data directory, not its
 * environment. The workspace directory is the only writable host path.
 */
record Bubblewrap(Path executable) {

    /** Read-only {@code /etc} parts that ordinary tools need; none holds a secret. */
    private static final List<String> ETC_FILES = List.of(
            "/etc/alternatives", "/etc/ld.so.cache", "/etc/ssl/certs", "/etc/ca-certificates", "/etc/localtime");
    private static final List<String> NETWORK_ETC_FILES = List.of("/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf");

    List<String> command(Path workspace, String root, String workdir, boolean network, List<String> command) {
        List<String> argv = new ArrayList<>(List.of(executable.toString(),
                "--unshare-all", "--cap-drop", "ALL", "--die-with-parent", "--new-session"));
        if (network) {
            argv.add("--share-net");
        }
        argv.addAll(List.of("--ro-bind", "/usr", "/usr"));
        for (String link : List.of("bin", "sbin", "lib", "lib64", "lib32")) {
            if (Files.exists(Path.of("/usr/" + link))) {
                argv.addAll(List.of("--symlink", "usr/" + link, "/" + link));
            }
        }
        for (String file : ETC_FILES) {
            argv.addAll(List.of("--ro-bind-try", file, file));
        }
        if (network) {
            for (String file : NETWORK_ETC_FILES) {
                argv.addAll(List.of("--ro-bind-try", file, file));
            }
        }
        argv.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"));
        argv.addAll(List.of("--bind", workspace.toString(), root));
        // Nothing outside the workspace and /tmp is writable, not even the sandbox's own root directory.
        argv.addAll(List.of("--remount-ro", "/"));
        argv.addAll(List.of("--chdir", workdir));
        argv.addAll(List.of("--clearenv",
                "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
                "--setenv", "HOME", root,
                "--setenv", "LANG", "C.UTF-8",
                "--setenv", "TMPDIR", "/tmp"));
        argv.add("--");
        argv.addAll(command);
        return argv;
    }

    /** Finds bwrap on the harness's PATH (the process itself runs with an empty environment). */
    static java.util.Optional<Path> locate() {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "bwrap");
            if (Files.isExecutable(candidate)) {
                return java.util.Optional.of(candidate.toAbsolutePath());
            }
        }
        return java.util.Optional.empty();
    }
}
