package dev.agentharness.runtime.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scripts the Kubernetes and Cloudflare providers run inside a sandbox, run here for real with
 * this machine's {@code /bin/sh} (dash) and coreutils on a temporary directory standing in for the
 * workspace root. (The fabric8 mock server runs no containers, so this is where the Kubernetes
 * file operations are proven to do what they say.)
 */
class WorkspaceShellTest {

    @TempDir
    Path temp;
    String root;

    record Run(int exit, byte[] stdout, String stderr) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }
    }

    @BeforeEach
    void workspace() throws IOException {
        Path workspace = Files.createDirectory(temp.resolve("workspace"));
        root = workspace.toRealPath().toString();
        Files.writeString(workspace.resolve("notes.txt"), "one two three\n");
        Files.createDirectories(workspace.resolve("sub/deeper"));
        Files.writeString(workspace.resolve(".hidden"), "h");
        Files.writeString(temp.resolve("outside.txt"), "secret-ish");
        Files.createSymbolicLink(workspace.resolve("escape"), temp);
        Files.createSymbolicLink(workspace.resolve("escape.txt"), temp.resolve("outside.txt"));
        Files.createSymbolicLink(workspace.resolve("inner.txt"), workspace.resolve("notes.txt"));
    }

    static Run run(List<String> argv, byte[] stdin) throws Exception {
        Process process = new ProcessBuilder(argv).start();
        try (OutputStream in = process.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin);
            }
        } catch (IOException brokenPipe) {
            // The script may end before it reads its stdin (it refuses the path first): its exit code says what happened.
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread errors = Thread.ofVirtual().start(() -> {
            try {
                process.getErrorStream().transferTo(err);
            } catch (IOException ignored) {
                // process ended
            }
        });
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("script did not finish: " + argv);
        }
        errors.join();
        return new Run(process.exitValue(), out, err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void readPrintsFilesAndRefusesDirectoriesMissingFilesLinksOutAndLargeFiles() throws Exception {
        assertEquals("one two three\n", run(WorkspaceShell.readFile(root, root + "/notes.txt", 100), null).out());
        assertEquals("one two three\n", run(WorkspaceShell.readFile(root, root + "/inner.txt", 100), null).out(),
                "a link that stays inside is fine");
        assertEquals(WorkspaceShell.IS_DIRECTORY, run(WorkspaceShell.readFile(root, root + "/sub", 100), null).exit());
        assertEquals(WorkspaceShell.MISSING, run(WorkspaceShell.readFile(root, root + "/nope.txt", 100), null).exit());
        assertEquals(WorkspaceShell.OUTSIDE, run(WorkspaceShell.readFile(root, root + "/escape.txt", 100), null).exit());
        assertEquals(WorkspaceShell.OUTSIDE, run(WorkspaceShell.readFile(root, root + "/escape/outside.txt", 100), null).exit());
        assertEquals(WorkspaceShell.TOO_LARGE, run(WorkspaceShell.readFile(root, root + "/notes.txt", 5), null).exit());
    }

    /** {@code cat} of a FIFO waits for a writer that never comes: the script refuses it instead. */
    @Test
    void readRefusesAFifoInsteadOfHanging() throws Exception {
        assertEquals(0, new ProcessBuilder("mkfifo", root + "/pipe").start().waitFor());
        Files.createSymbolicLink(Path.of(root, "pipe-link"), Path.of(root, "pipe"));
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            assertEquals(WorkspaceShell.NOT_REGULAR, run(WorkspaceShell.readFile(root, root + "/pipe", 100), null).exit());
            assertEquals(WorkspaceShell.NOT_REGULAR, run(WorkspaceShell.readFile(root, root + "/pipe-link", 100), null).exit());
        });
        assertEquals("'pipe' is not a regular file (a FIFO, socket or device); read_file reads only regular files",
                WorkspaceShell.failure("read", "pipe", WorkspaceShell.NOT_REGULAR, null, 100).getMessage());
    }

    @Test
    void writeTakesExactlyItsBytesFromStdinCreatesParentsAndRefusesLinksOut() throws Exception {
        byte[] content = "print('hi')\n".getBytes(StandardCharsets.UTF_8);
        // More bytes than announced arrive, and stdin stays open in real exec: head -c stops at the length.
        byte[] sent = java.util.Arrays.copyOf(content, content.length + 5);
        Run write = run(WorkspaceShell.writeFileFromStdin(root, root + "/new/dir/x.py", content.length), sent);
        assertEquals(0, write.exit(), write.stderr());
        assertEquals("print('hi')\n", Files.readString(Path.of(root, "new/dir/x.py")));
        assertEquals(WorkspaceShell.OUTSIDE, run(WorkspaceShell.writeFileFromStdin(root, root + "/escape/pwned.txt", 1),
                new byte[] {'x'}).exit());
        assertEquals(WorkspaceShell.OUTSIDE, run(WorkspaceShell.writeFileFromStdin(root, root + "/escape.txt", 1),
                new byte[] {'x'}).exit());
        assertEquals("secret-ish", Files.readString(temp.resolve("outside.txt")));
        assertEquals(List.of("outside.txt", "workspace"), Files.list(temp).map(p -> p.getFileName().toString()).sorted().toList());
        assertEquals(WorkspaceShell.IS_DIRECTORY, run(WorkspaceShell.prepareWrite(root, root + "/sub"), null).exit());
        assertEquals(0, run(WorkspaceShell.prepareWrite(root, root + "/a/b/c.txt"), null).exit());
        assertEquals(true, Files.isDirectory(Path.of(root, "a/b")));
    }

    @Test
    void listingsAreNulTerminatedRecordsThatParseBack() throws Exception {
        Run list = run(WorkspaceShell.listFiles(root, root), null);
        assertEquals(0, list.exit(), list.stderr());
        List<WorkspaceFile> files = WorkspaceShell.parseListing(list.stdout());
        assertEquals(List.of(".hidden", "escape", "escape.txt", "inner.txt", "notes.txt", "sub"),
                files.stream().map(WorkspaceFile::name).toList());
        assertEquals(new WorkspaceFile("notes.txt", false, 14), files.get(4));
        assertEquals(new WorkspaceFile("sub", true, 0), files.get(5));
        assertEquals(false, files.get(1).directory(), "a symlink to a directory is listed as a link, not followed");
        assertEquals(WorkspaceShell.OUTSIDE, run(WorkspaceShell.listFiles(root, root + "/escape"), null).exit());
        assertEquals(WorkspaceShell.MISSING, run(WorkspaceShell.listFiles(root, root + "/notes.txt"), null).exit());
    }

    @Test
    void execRunsInTheDirectoryAndDirectoriesAreMadeAndChecked() throws Exception {
        Run exec = run(WorkspaceShell.exec(root + "/sub", "pwd; echo \"$0\" 'quoted $HOME'; exit 4"), null);
        assertEquals(4, exec.exit());
        assertEquals(root + "/sub\n/bin/sh quoted $HOME\n", exec.out());
        assertEquals(0, run(WorkspaceShell.makeDirectories(root, List.of(root + "/x/y", root + "/z")), null).exit());
        assertEquals(true, Files.isDirectory(Path.of(root, "x/y")) && Files.isDirectory(Path.of(root, "z")));
        assertEquals(WorkspaceShell.OUTSIDE, run(WorkspaceShell.makeDirectories(root, List.of(root + "/escape/new")), null).exit());
        assertEquals(0, run(WorkspaceShell.checkDirectory(root, root + "/sub/deeper"), null).exit());
        assertEquals(WorkspaceShell.MISSING, run(WorkspaceShell.checkDirectory(root, root + "/notes.txt"), null).exit());
    }

    @Test
    void aSnapshotRestoresOverAClearedWorkspaceFromExactlyItsBytes() throws Exception {
        Run snapshot = run(WorkspaceShell.snapshot(root), null);
        assertEquals(0, snapshot.exit(), snapshot.stderr());
        Files.writeString(Path.of(root, "stray.txt"), "x");
        Files.delete(Path.of(root, "notes.txt"));
        byte[] tar = snapshot.stdout();
        Run restore = run(WorkspaceShell.restoreFromStdin(root, tar.length), java.util.Arrays.copyOf(tar, tar.length + 100));
        assertEquals(0, restore.exit(), restore.stderr());
        assertEquals("one two three\n", Files.readString(Path.of(root, "notes.txt")));
        assertEquals(false, Files.exists(Path.of(root, "stray.txt")));
        assertEquals("secret-ish", Files.readString(temp.resolve("outside.txt")), "clearing never follows the links out");
    }

    @Test
    void failuresBecomeMessagesForTheModel() {
        assertEquals("no such file: 'a.txt'", WorkspaceShell.failure("read", "a.txt", WorkspaceShell.MISSING, null, 0).getMessage());
        assertEquals("'big' is larger than 10 bytes; read it in parts with exec_command",
                WorkspaceShell.failure("read", "big", WorkspaceShell.TOO_LARGE, null, 10).getMessage());
        assertEquals("write of 'x' failed (exit 1): disk full",
                WorkspaceShell.failure("write", "x", 1, "disk full\n".getBytes(StandardCharsets.UTF_8), 0).getMessage());
        assertThrows(SandboxException.class, () -> WorkspacePath.relative("/workspace", "/etc/passwd"));
    }
}
