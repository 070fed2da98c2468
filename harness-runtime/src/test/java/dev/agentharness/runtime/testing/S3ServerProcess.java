package dev.agentharness.runtime.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A real S3-compatible server as a separate JVM process: s3proxy (checks SigV4 signatures and
 * expiry; filesystem-backed, so objects survive a stop/start) or s3mock (implements bucket
 * lifecycle rules, checks no signatures). The jars are copied to {@code target/s3-servers} by
 * maven-dependency-plugin, so they never share the test classpath.
 */
public final class S3ServerProcess implements AutoCloseable {

    public static final String ACCESS_KEY = "AKIDHARNESSTEST";
    public static final String SECRET_KEY = "harness-s3-secret-do-not-log-5b1e";

    public enum Kind { S3PROXY, S3MOCK }

    private final Kind kind;
    private final Path dataDir;
    private final Path logFile;
    private final int port;
    private Process process;

    private S3ServerProcess(Kind kind, Path dataDir, int port) {
        this.kind = kind;
        this.dataDir = dataDir;
        this.port = port;
        this.logFile = dataDir.resolveSibling(dataDir.getFileName() + ".log");
    }

    public static S3ServerProcess s3proxy() {
        return new S3ServerProcess(Kind.S3PROXY, freshDir("s3proxy"), freePort());
    }

    public static S3ServerProcess s3mock() {
        return new S3ServerProcess(Kind.S3MOCK, freshDir("s3mock"), freePort());
    }

    /** Starts (or restarts on the same port and data) and waits until the port accepts connections. */
    public S3ServerProcess start() {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx256m", "-XX:TieredStopAtLevel=1"));
        try {
            Files.createDirectories(dataDir);
            if (kind == Kind.S3PROXY) {
                Path conf = dataDir.resolveSibling(dataDir.getFileName() + ".conf");
                Files.writeString(conf, String.join("\n",
                        "s3proxy.endpoint=http://127.0.0.1:" + port,
                        "s3proxy.authorization=aws-v2-or-v4",
                        "s3proxy.identity=" + ACCESS_KEY,
                        "s3proxy.credential=" + SECRET_KEY,
                        "jclouds.provider=filesystem",
                        "jclouds.filesystem.basedir=" + dataDir.toAbsolutePath(),
                        ""));
                command.addAll(List.of("-jar", jar("s3proxy.jar").toString(), "--properties", conf.toString()));
            } else {
                command.addAll(List.of("-jar", jar("s3mock.jar").toString(),
                        // http.port is the plain-HTTP listener; HTTPS and the vectors API get random ports so
                        // parallel builds on one machine never collide on s3mock's fixed defaults.
                        "--http.port=" + port, "--server.port=0", "--vectors.http.port=0", "--vectors.https.port=0",
                        "--com.adobe.testing.s3mock.store.root=" + dataDir.toAbsolutePath(),
                        "--com.adobe.testing.s3mock.store.retain-files-on-exit=false",
                        "--server.address=127.0.0.1", "--spring.main.banner-mode=off"));
            }
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        awaitPort(Duration.ofSeconds(kind == Kind.S3MOCK ? 90 : 45));
        return this;
    }

    /** Stops the server (the data directory stays); {@link #start()} brings it back on the same port. */
    public void stop() {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public Path logFile() {
        return logFile;
    }

    @Override
    public void close() {
        stop();
    }

    private void awaitPort(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(kind + " exited with " + process.exitValue() + "; see " + logFile);
            }
            if (LoopbackProbe.listening(port)) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        stop();
        throw new IllegalStateException(kind + " did not listen on " + port + " within " + timeout + "; see " + logFile);
    }

    private static Path jar(String name) {
        Path jar = Path.of("target", "s3-servers", name).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run the build through Maven (process-test-resources "
                    + "copies it there)");
        }
        return jar;
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static Path freshDir(String prefix) {
        try {
            Path base = Path.of("target", "s3-data").toAbsolutePath();
            Files.createDirectories(base);
            return Files.createTempDirectory(base, prefix + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
