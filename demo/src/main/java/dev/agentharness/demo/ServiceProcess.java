package dev.agentharness.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One packaged Quarkus service ({@code <module>/target/quarkus-app/quarkus-run.jar}) as a child
 * process: exactly the environment it is given (plus PATH, HOME, TMPDIR), its output in a log file,
 * started when its readiness URL answers 200, and stopped with SIGTERM (SIGKILL after a grace).
 */
public final class ServiceProcess implements AutoCloseable {

    /** The {@code JDK_JAVA_OPTIONS} both images set. */
    static final String IMAGE_JAVA_OPTIONS = "-XX:TieredStopAtLevel=1";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Process process;
    private final Path log;

    private ServiceProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code jar} and waits until {@code ready} answers 200, with the images' JVM options; {@code
     * <NAME>_JAVA_OPTIONS} of this process (e.g. {@code OPERATOR_JAVA_OPTIONS=-Xmx256m}) replace them.
     *
     * @throws IllegalStateException naming the log file when the service exits or does not get ready in time
     */
    public static ServiceProcess start(String name, Path jar, Map<String, String> env, Path log, URI ready,
                                       Duration timeout) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build first (make build, or ./mvnw package -DskipTests)");
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-Djava.io.tmpdir=/tmp", "-jar", jar.toAbsolutePath().toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> environment = builder.environment();
        Map<String, String> keep = new HashMap<>();
        for (String variable : List.of("PATH", "HOME", "TMPDIR", "LANG")) {
            if (System.getenv(variable) != null) {
                keep.put(variable, System.getenv(variable));
            }
        }
        // The JIT the images choose (C1 only, deploy/docker/*.Dockerfile); HARNESS_JAVA_OPTIONS / OPERATOR_JAVA_OPTIONS
        // of the caller replace it for that service (JFR, heap limits, C2).
        String javaOptions = System.getenv(name.toUpperCase(Locale.ROOT) + "_JAVA_OPTIONS");
        keep.put("JDK_JAVA_OPTIONS", javaOptions != null ? javaOptions : IMAGE_JAVA_OPTIONS);
        environment.clear();
        environment.putAll(keep);
        environment.putAll(env);
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            ServiceProcess service = new ServiceProcess(name, builder.start(), log);
            service.awaitReady(ready, timeout);
            return service;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name, e);
        }
    }

    private void awaitReady(URI ready, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with code " + process.exitValue() + " during startup; "
                        + "its log is " + log + ":\n" + tail(40));
            }
            try {
                HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).GET()
                        .build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name);
            }
            sleep(Duration.ofMillis(250));
        }
        close();
        throw new IllegalStateException(name + " did not get ready within " + timeout.toSeconds() + " s; its log is "
                + log + ":\n" + tail(40));
    }

    /** The process id (for jcmd and the like). */
    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** The last {@code lines} lines of the log, for error messages. */
    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", new ArrayList<>(all.subList(Math.max(0, all.size() - lines), all.size())));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
