package dev.agentharness.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** os.name/os.arch as the JVMs of each platform report them → the archive that runs there. */
class EmbeddedPostgresPlatformTest {

    @ParameterizedTest
    @CsvSource({
            "Linux, amd64, postgres-linux-x86_64.txz",
            "Linux, x86_64, postgres-linux-x86_64.txz",
            "Linux, aarch64, postgres-linux-arm_64.txz",
            "Mac OS X, x86_64, postgres-darwin-x86_64.txz",
            "Mac OS X, aarch64, postgres-darwin-x86_64.txz", // universal binaries
            "Darwin, arm64, postgres-darwin-x86_64.txz"})
    void picksTheArchiveOfEachPlatform(String osName, String osArch, String archive) {
        assertEquals(archive, EmbeddedPostgresPlatform.of(osName, osArch).archive());
    }

    @ParameterizedTest
    @CsvSource({"Windows 11, amd64", "Windows Server 2022, amd64", "Windows 11, aarch64"})
    void refusesNativeWindowsNamingWslAndDatabaseUrl(String osName, String osArch) {
        String message = assertThrows(IllegalStateException.class, () -> EmbeddedPostgresPlatform.of(osName, osArch))
                .getMessage();
        assertTrue(message.contains("WSL 2") && message.contains("DATABASE_URL"), message);
    }

    @ParameterizedTest
    @CsvSource({"Linux, riscv64", "Linux, ppc64le", "Mac OS X, ppc", "FreeBSD, amd64", "SunOS, sparcv9"})
    void refusesOtherPlatformsNamingDatabaseUrl(String osName, String osArch) {
        String message = assertThrows(IllegalStateException.class, () -> EmbeddedPostgresPlatform.of(osName, osArch))
                .getMessage();
        assertTrue(message.contains(osName) && message.contains(osArch) && message.contains("DATABASE_URL"), message);
    }

    @Test
    void macSocketPathsAreShorter() {
        assertEquals(103, EmbeddedPostgresPlatform.MACOS.maxSocketPath());
        assertEquals(107, EmbeddedPostgresPlatform.LINUX_ARM64.maxSocketPath());
        assertEquals(EmbeddedPostgresServer.MAX_SOCKET_PATH, EmbeddedPostgresPlatform.LINUX_AMD64.maxSocketPath());
    }

    /**
     * Each platform's archive is where the harness looks for it: the Linux ones on every classpath, the macOS one on a
     * Mac's (the Maven profile "macos") and, elsewhere, in the jar the build copies for the tests.
     */
    @Test
    void everyPlatformsArchiveIsInItsArtifact() throws Exception {
        for (EmbeddedPostgresPlatform platform : EmbeddedPostgresPlatform.values()) {
            try (InputStream in = getClass().getClassLoader().getResourceAsStream(platform.archive())) {
                if (in != null || platform != EmbeddedPostgresPlatform.MACOS) {
                    assertNotNull(in, platform + ": " + platform.archive() + " from " + platform.artifactId());
                    continue;
                }
            }
            try (ZipFile jar = new ZipFile("target/platform-binaries/" + platform.artifactId() + ".jar")) {
                assertNotNull(jar.getEntry(platform.archive()), platform + ": " + platform.archive());
            }
        }
    }
}
