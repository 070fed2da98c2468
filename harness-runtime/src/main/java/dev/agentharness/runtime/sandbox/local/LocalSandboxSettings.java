package dev.agentharness.runtime.sandbox.local;

import org.eclipse.microprofile.config.Config;

/**
 * Resource limits of every command in a local sandbox ({@code SANDBOX_LOCAL_*}). The rlimits are set inside the
 * sandbox (by {@code prlimit}, after bwrap has made the user namespace), so the process count is the sandbox's own,
 * not the harness user's.
 *
 * @param maxProcesses     RLIMIT_NPROC: processes and threads of one command (a fork bomb stops here)
 * @param maxFileBytes     RLIMIT_FSIZE: the largest file a command may write
 * @param maxOpenFiles     RLIMIT_NOFILE
 * @param maxMemoryBytes   RLIMIT_AS: address space of each process (a memory hog fails to allocate)
 * @param tmpBytes         size of the sandbox's private {@code /tmp} (a tmpfs, i.e. memory)
 * @param runAsUid         host uid the sandbox runs as when the harness itself runs as root: root is exempt from
 *                         RLIMIT_NPROC, so the sandbox must not be root on the host; 0 keeps root (not advised).
 *                         The default is not {@code nobody}, which the embedded PostgreSQL uses when run as root
 */
public record LocalSandboxSettings(long maxProcesses, long maxFileBytes, long maxOpenFiles, long maxMemoryBytes,
                                   long tmpBytes, int runAsUid) {

    public static final LocalSandboxSettings DEFAULTS = new LocalSandboxSettings(
            256, 1L << 30, 1024, 4L << 30, 512L << 20, 65533);

    public LocalSandboxSettings {
        positive("max-processes", maxProcesses);
        positive("max-file-bytes", maxFileBytes);
        positive("max-open-files", maxOpenFiles);
        positive("max-memory-bytes", maxMemoryBytes);
        positive("tmp-bytes", tmpBytes);
        if (runAsUid < 0) {
            throw new IllegalArgumentException("harness.sandbox.local.run-as-uid must be 0 or more");
        }
    }

    public static LocalSandboxSettings from(Config config) {
        return new LocalSandboxSettings(
                value(config, "max-processes", DEFAULTS.maxProcesses()),
                value(config, "max-file-bytes", DEFAULTS.maxFileBytes()),
                value(config, "max-open-files", DEFAULTS.maxOpenFiles()),
                value(config, "max-memory-bytes", DEFAULTS.maxMemoryBytes()),
                value(config, "tmp-bytes", DEFAULTS.tmpBytes()),
                (int) value(config, "run-as-uid", DEFAULTS.runAsUid()));
    }

    private static long value(Config config, String key, long fallback) {
        return config.getOptionalValue("harness.sandbox.local." + key, String.class)
                .map(String::strip).filter(s -> !s.isEmpty()).map(Long::parseLong).orElse(fallback);
    }

    private static void positive(String key, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException("harness.sandbox.local." + key + " must be positive");
        }
    }
}
