package dev.agentharness.runtime.sandbox.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.jboss.logging.Logger;

/**
 * The command line of a local sandbox: every namespace unshared (the network too, always: the host's loopback
 * holds the harness's port and its embedded database), no capabilities, no further user namespaces, a seccomp
 * deny list, an unprivileged uid inside (and on the host when the harness is root), rlimits on every command, a
 * sized {@code /tmp}, a read-only view of the host's {@code /usr} (plus the few {@code /etc} files programs need)
 * and nothing else of the host — not its home, not the harness's data directory, not its environment. The
 * workspace directory is the only writable host path.
 *
 * <p>Shape: {@code sh -c 'exec "$@" 9<seccomp' → [setpriv --reuid U] → bwrap … -- prlimit … -- command}: the shell
 * only opens the seccomp program for bwrap (which reads a filter from a file descriptor) and replaces itself.
 */
final class Bubblewrap {

    private static final Logger LOG = Logger.getLogger(Bubblewrap.class);
    /** The uid and gid the sandboxed code has inside its user namespace. */
    static final int SANDBOX_UID = 65534;
    private static final int SECCOMP_FD = 9;

    /** Read-only {@code /etc} parts that ordinary tools need; none holds a secret. */
    private static final List<String> ETC_FILES = List.of(
            "/etc/alternatives", "/etc/ld.so.cache", "/etc/ssl/certs", "/etc/ca-certificates", "/etc/localtime");

    private final Path executable;
    private final LocalSandboxSettings limits;
    private final Optional<Path> seccomp;
    private final OptionalInt hostUid;
    private final boolean disableUserns;
    private final boolean sizedTmp;

    Bubblewrap(Path executable, LocalSandboxSettings limits, Optional<Path> seccomp, OptionalInt hostUid,
               boolean disableUserns, boolean sizedTmp) {
        this.executable = executable;
        this.limits = limits;
        this.seccomp = seccomp;
        this.hostUid = hostUid;
        this.disableUserns = disableUserns;
        this.sizedTmp = sizedTmp;
    }

    /**
     * Probes bwrap's options, writes the seccomp program under {@code base} (never inside a sandbox) and decides
     * the host uid; each hardening step this machine cannot take is logged once, here.
     */
    static Bubblewrap prepare(Path executable, LocalSandboxSettings limits, Path base) throws IOException {
        String help = help(executable);
        boolean disableUserns = help.contains("--disable-userns");
        boolean sizedTmp = help.contains("--size");
        if (!disableUserns) {
            LOG.warn("this bwrap has no --disable-userns (bubblewrap < 0.8): sandboxed code may create user namespaces");
        }
        if (!sizedTmp) {
            LOG.warn("this bwrap has no --size (bubblewrap < 0.9): a sandbox's /tmp is bounded only by memory");
        }
        Files.createDirectories(base);
        Optional<Path> seccomp = Optional.empty();
        Optional<byte[]> program = SeccompFilter.forThisMachine();
        if (program.isPresent() && help.contains("--seccomp")) {
            Path file = base.resolve("seccomp.bpf");
            Files.write(file, program.get());
            seccomp = Optional.of(file);
        } else {
            LOG.warnf("no seccomp filter for local sandboxes on %s", System.getProperty("os.arch"));
        }
        OptionalInt hostUid = OptionalInt.empty();
        if (currentUid() == 0 && limits.runAsUid() != 0) {
            if (!Files.isExecutable(Path.of("/usr/bin/setpriv"))) {
                LOG.warn("the harness runs as root and setpriv (util-linux) is missing: sandboxes run as host root, "
                        + "so the process limit (RLIMIT_NPROC) does not hold");
            } else if (!traversableByOthers(base)) {
                LOG.warnf("the harness runs as root but %s is not traversable by other users: sandboxes run as host "
                        + "root, so the process limit (RLIMIT_NPROC) does not hold; make its parent directories "
                        + "o+x (chmod 711) to run them as uid %d", base, limits.runAsUid());
            } else {
                hostUid = OptionalInt.of(limits.runAsUid());
            }
        }
        if (!Files.isExecutable(Path.of("/usr/bin/prlimit"))) {
            throw new IOException("prlimit (util-linux) is missing: local sandboxes cannot be given resource limits");
        }
        // cgroup limits (memory.max, pids.max over the whole sandbox) would need a delegated, writable cgroup v2
        // subtree; they are not applied: the rlimits bound each process and each command's process count.
        LOG.infof("local sandboxes: seccomp %s, user namespaces inside %s, host uid %s, no cgroup limits, limits %s",
                seccomp.isPresent() ? "on" : "off", disableUserns ? "disabled" : "allowed",
                hostUid.isPresent() ? hostUid.getAsInt() : currentUid(), limits);
        return new Bubblewrap(executable, limits, seccomp, hostUid, disableUserns, sizedTmp);
    }

    /**
     * Gives what the harness wrote in a workspace — {@code target} and its directories up to {@code workspace} — to
     * the host uid sandboxes run as, so the sandboxed code can change it. Nothing to do when sandboxes run as the
     * harness's own uid. Never follows a symlink.
     */
    void handOver(Path workspace, Path target) throws IOException {
        if (hostUid.isEmpty()) {
            return;
        }
        for (Path path = target; path != null && path.startsWith(workspace); path = path.getParent()) {
            Files.setAttribute(path, "unix:uid", hostUid.getAsInt(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(path, "unix:gid", hostUid.getAsInt(), LinkOption.NOFOLLOW_LINKS);
        }
    }

    List<String> command(Path workspace, String root, String workdir, List<String> command) {
        List<String> argv = new ArrayList<>();
        if (seccomp.isPresent()) {
            argv.addAll(List.of("/bin/sh", "-c", "exec \"$@\" " + SECCOMP_FD + "<\"$0\"", seccomp.get().toString()));
        }
        if (hostUid.isPresent()) {
            String id = Integer.toString(hostUid.getAsInt());
            argv.addAll(List.of("/usr/bin/setpriv", "--reuid=" + id, "--regid=" + id, "--clear-groups", "--"));
        }
        argv.addAll(List.of(executable.toString(), "--unshare-all", "--unshare-user",
                "--uid", Integer.toString(SANDBOX_UID), "--gid", Integer.toString(SANDBOX_UID),
                "--cap-drop", "ALL", "--die-with-parent", "--new-session"));
        if (disableUserns) {
            argv.add("--disable-userns");
        }
        seccomp.ifPresent(file -> argv.addAll(List.of("--seccomp", Integer.toString(SECCOMP_FD))));
        argv.addAll(List.of("--ro-bind", "/usr", "/usr"));
        for (String link : List.of("bin", "sbin", "lib", "lib64", "lib32")) {
            if (Files.exists(Path.of("/usr/" + link))) {
                argv.addAll(List.of("--symlink", "usr/" + link, "/" + link));
            }
        }
        for (String file : ETC_FILES) {
            argv.addAll(List.of("--ro-bind-try", file, file));
        }
        argv.addAll(List.of("--proc", "/proc", "--dev", "/dev"));
        if (sizedTmp) {
            argv.addAll(List.of("--size", Long.toString(limits.tmpBytes())));
        }
        argv.addAll(List.of("--tmpfs", "/tmp"));
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
        // Set inside the user namespace bwrap made: the process count is this sandbox's, not the harness user's.
        argv.addAll(List.of("/usr/bin/prlimit",
                "--nproc=" + limits.maxProcesses(),
                "--fsize=" + limits.maxFileBytes(),
                "--nofile=" + limits.maxOpenFiles(),
                "--as=" + limits.maxMemoryBytes(),
                "--"));
        argv.addAll(command);
        return argv;
    }

    /** Finds bwrap on the harness's PATH (the process itself runs with an empty environment). */
    static Optional<Path> locate() {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "bwrap");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate.toAbsolutePath());
            }
        }
        return Optional.empty();
    }

    private static String help(Path executable) throws IOException {
        ProcessRunner.Outcome outcome = ProcessRunner.run(List.of(executable.toString(), "--help"), null,
                Duration.ofSeconds(10), 64 * 1024);
        return new String(outcome.stdout(), StandardCharsets.UTF_8) + new String(outcome.stderr(), StandardCharsets.UTF_8);
    }

    private static int currentUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid", LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            return -1;
        }
    }

    /** bwrap, once it runs as another uid, must reach the workspace through every ancestor of {@code base}. */
    private static boolean traversableByOthers(Path base) {
        try {
            for (Path dir = base.toRealPath(); dir != null; dir = dir.getParent()) {
                if (!Files.getPosixFilePermissions(dir).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
