package dev.agentharness.fakes.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentharness.fakes.TempTrees;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One fake sandbox "VM": a host directory that is its whole root filesystem ({@code /root},
 * {@code /home/user}, {@code /tmp}, whatever commands create), plus the control-plane state E2B
 * keeps about it. Commands run under bubblewrap with that directory bound at {@code /} and the
 * host's {@code /usr} read-only on top, so absolute paths such as {@code /workspace} work exactly
 * as in a real sandbox and nothing outside the directory is writable.
 */
final class FakeVm {

    static final List<String> USERS = List.of("root", "user");
    private static final List<String> ETC_FILES = List.of(
            "/etc/alternatives", "/etc/ld.so.cache", "/etc/ssl/certs", "/etc/ca-certificates", "/etc/localtime");

    final String id;
    final String templateId;
    final String clientId;
    final boolean secure;
    final Boolean allowInternetAccess;
    final Map<String, String> metadata;
    final Map<String, String> envVars;
    final JsonNode network;
    final Instant startedAt = Instant.now();
    final Path root;
    private final AtomicInteger pids = new AtomicInteger(400);
    volatile String accessToken;
    volatile Instant endAt;
    volatile String state = "running";

    FakeVm(String id, String templateId, String clientId, boolean secure, Boolean allowInternetAccess,
           Map<String, String> metadata, Map<String, String> envVars, JsonNode network, String accessToken,
           Instant endAt, Path root) throws IOException {
        this.id = id;
        this.templateId = templateId;
        this.clientId = clientId;
        this.secure = secure;
        this.allowInternetAccess = allowInternetAccess;
        this.metadata = Map.copyOf(metadata);
        this.envVars = Map.copyOf(envVars);
        this.network = network;
        this.accessToken = accessToken;
        this.endAt = endAt;
        this.root = root;
        for (String dir : List.of("usr", "proc", "dev", "tmp", "etc", "root", "home/user")) {
            Files.createDirectories(root.resolve(dir));
        }
        for (String link : List.of("bin", "sbin", "lib", "lib64", "lib32")) {
            if (Files.exists(Path.of("/usr/" + link))) {
                Files.createSymbolicLink(root.resolve(link), Path.of("usr/" + link));
            }
        }
        Files.writeString(root.resolve("etc/passwd"),
                "root:x:0:0:root:/root:/bin/bash\nuser:x:1000:1000::/home/user:/bin/bash\n", StandardCharsets.UTF_8);
        Files.writeString(root.resolve("etc/group"), "root:x:0:\nuser:x:1000:\n", StandardCharsets.UTF_8);
    }

    boolean running() {
        return "running".equals(state);
    }

    int nextPid() {
        return pids.incrementAndGet();
    }

    static String home(String user) {
        return "root".equals(user) ? "/root" : "/home/" + user;
    }

    /** envd's rule: a relative path is relative to the user's home; {@code ~} expands. */
    static String absolute(String path, String user) {
        if (path.startsWith("~")) {
            path = home(user) + path.substring(1);
        }
        return path.startsWith("/") ? path : home(user) + "/" + path;
    }

    /**
     * The host path behind a path inside the VM, or empty when it would leave the VM's directory
     * (through {@code ..} or a symlink) — a real VM would resolve it to its own files, never the host's.
     */
    Optional<Path> host(String vmPath) {
        List<String> segments = new ArrayList<>();
        for (String segment : vmPath.split("/")) {
            if (segment.isEmpty() || segment.equals(".")) {
                continue;
            }
            if (segment.equals("..")) {
                if (!segments.isEmpty()) {
                    segments.removeLast();
                }
                continue;
            }
            segments.add(segment);
        }
        Path target = segments.isEmpty() ? root : root.resolve(String.join("/", segments));
        try {
            Path realRoot = root.toRealPath();
            Path existing = target;
            while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
                existing = existing.getParent();
            }
            if (existing == null) {
                return Optional.empty();
            }
            Path parentReal = existing.equals(target) && Files.isSymbolicLink(target)
                    ? target.getParent().toRealPath() : existing.toRealPath();
            return parentReal.startsWith(realRoot) ? Optional.of(target) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The bwrap command that runs {@code argv} in this VM as envd would (fresh environment, cwd). The network is
     * never shared, whatever {@code allow_internet_access} says: the host's network is the test machine's loopback
     * (the harness, its database), not a microVM's own internet. The flag is recorded for assertions only.
     */
    List<String> command(Path bwrap, String cwd, Map<String, String> environment, List<String> argv) {
        List<String> command = new ArrayList<>(List.of(bwrap.toString(),
                "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"));
        command.addAll(List.of("--bind", root.toString(), "/", "--ro-bind", "/usr", "/usr"));
        for (String file : ETC_FILES) {
            command.addAll(List.of("--ro-bind-try", file, file));
        }
        command.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--chdir", cwd, "--clearenv"));
        environment.forEach((name, value) -> command.addAll(List.of("--setenv", name, value)));
        command.add("--");
        command.addAll(argv);
        return command;
    }

    void delete() {
        TempTrees.delete(root);
    }
}
