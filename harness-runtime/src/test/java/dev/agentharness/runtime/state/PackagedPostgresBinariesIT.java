package dev.agentharness.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.tukaani.xz.XZInputStream;

/**
 * The packaged app ({@code target/quarkus-app}, what {@code make run} and the image start) carries the embedded
 * PostgreSQL of every included platform and the Vert.x native transport that reaches its Unix socket there.
 */
class PackagedPostgresBinariesIT {

    private static final Path LIB = Path.of("target/quarkus-app/lib/main");

    @Test
    void everyPlatformsBinariesArePackaged() throws IOException {
        for (EmbeddedPostgresPlatform platform : EmbeddedPostgresPlatform.values()) {
            Path jar = packagedJar("io.zonky.test.postgres." + platform.artifactId() + "-");
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                assertTrue(zip.getEntry(platform.archive()) != null, jar + " lacks " + platform.archive());
            }
        }
    }

    @Test
    void everyPlatformsNativeTransportIsPackaged() throws IOException {
        for (String name : List.of("io.netty.netty-transport-native-epoll-", "io.netty.netty-transport-native-kqueue-")) {
            for (String classifier : name.contains("epoll") ? List.of("linux-x86_64", "linux-aarch_64")
                    : List.of("osx-x86_64", "osx-aarch_64")) {
                try (Stream<Path> jars = Files.list(LIB)) {
                    assertTrue(jars.anyMatch(p -> p.getFileName().toString().startsWith(name)
                            && p.getFileName().toString().endsWith("-" + classifier + ".jar")), name + classifier);
                }
            }
        }
    }

    /** One macOS archive serves Intel and Apple Silicon: its programs are Mach-O universal (fat) binaries of both. */
    @Test
    void theMacBinariesAreUniversal() throws IOException {
        Path jar = packagedJar("io.zonky.test.postgres." + EmbeddedPostgresPlatform.MACOS.artifactId() + "-");
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

    private static Path packagedJar(String prefix) throws IOException {
        if (!Files.isDirectory(LIB)) {
            fail(LIB.toAbsolutePath() + " is missing: the packaged app is built in the package phase, before this IT");
        }
        try (Stream<Path> jars = Files.list(LIB)) {
            return jars.filter(p -> p.getFileName().toString().startsWith(prefix)).findFirst()
                    .orElseThrow(() -> new AssertionError(LIB + " has no " + prefix + "*.jar"));
        }
    }
}
