package dev.agentharness.fakes.cloudflare;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How the FAKE Worker runs a sandbox's commands: in bubblewrap, with the sandbox's temporary
 * directory bound at {@code /workspace} (so absolute {@code /workspace} paths work as in a real
 * Cloudflare container), every namespace unshared (no network), no capabilities, a read-only
 * {@code /usr} and an empty environment — bwrap itself is started with none, so even
 * {@code /proc/1/environ} shows nothing of the test JVM.
 */
final class Bubblewrapped {

    static final Path BWRAP = Path.of("/usr/bin/bwrap");
    private static final List<String> ETC_FILES = List.of("/etc/alternatives", "/etc/ld.so.cache", "/etc/localtime");

    private Bubblewrapped() {
    }

    static boolean available() {
        return Files.isExecutable(BWRAP);
    }

    static ProcessBuilder command(Path workspace, List<String> argv) {
        List<String> command = new ArrayList<>(List.of(BWRAP.toString(), "--unshare-all", "--cap-drop", "ALL",
                "--die-with-parent", "--new-session", "--ro-bind", "/usr", "/usr"));
        for (String link : List.of("bin", "sbin", "lib", "lib64", "lib32")) {
            if (Files.exists(Path.of("/usr/" + link))) {
                command.addAll(List.of("--symlink", "usr/" + link, "/" + link));
            }
        }
        for (String file : ETC_FILES) {
            command.addAll(List.of("--ro-bind-try", file, file));
        }
        command.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
                "--bind", workspace.toString(), "/workspace", "--remount-ro", "/", "--chdir", "/workspace",
                "--clearenv", "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin", "--setenv", "HOME", "/workspace",
                "--setenv", "LANG", "C.UTF-8", "--"));
        command.addAll(argv);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().clear();
        return builder;
    }

    /** Runs to completion with {@code stdin}; returns stdout, or throws with stderr when it fails. */
    static byte[] run(Path workspace, List<String> argv, byte[] stdin) throws IOException {
        Process process = command(workspace, argv).start();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread errReader = Thread.ofVirtual().start(() -> drain(process.getErrorStream(), err));
        Thread writer = Thread.ofVirtual().start(() -> {
            try (OutputStream in = process.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            } catch (IOException e) {
                // exited early
            }
        });
        byte[] out = process.getInputStream().readAllBytes();
        try {
            int exit = process.waitFor();
            errReader.join();
            writer.join();
            if (exit != 0) {
                throw new IOException("exit " + exit + ": " + err.toString().strip());
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
        return out;
    }

    private static void drain(InputStream in, ByteArrayOutputStream into) {
        try (in) {
            in.transferTo(into);
        } catch (IOException e) {
            // killed
        }
    }
}
