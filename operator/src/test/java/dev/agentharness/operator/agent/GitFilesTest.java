package dev.agentharness.operator.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Golden sets in git: a local repository made here, read through JGit's file:// transport like a remote. */
class GitFilesTest {

    @TempDir
    Path repository;

    Git git;
    String url;

    @BeforeEach
    void repository() throws Exception {
        git = Git.init().setDirectory(repository.toFile()).setInitialBranch("main").call();
        url = "file://" + repository.toAbsolutePath();
    }

    String commit(String path, String content) throws Exception {
        Path file = repository.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        git.add().addFilepattern(path).call();
        return git.commit().setMessage("change " + path).setAuthor("t", "t@example.com")
                .setCommitter("t", "t@example.com").setSign(false).call().name();
    }

    @Test
    void branchTagCommitAndDefaultBranchEachReadTheFileAtTheirCommit() throws Exception {
        String first = commit("evals/golden.jsonl", "{\"id\": \"one\"}\n");
        git.tag().setName("v1").setAnnotated(true).setMessage("v1").call();
        String second = commit("evals/golden.jsonl", "{\"id\": \"two\"}\n");
        GitFiles files = new GitFiles(Clock.systemUTC());

        assertEquals(new GitFiles.GitFile(second, "{\"id\": \"two\"}\n"), files.read(url, "main", "evals/golden.jsonl"));
        assertEquals(new GitFiles.GitFile(second, "{\"id\": \"two\"}\n"), files.read(url, null, "evals/golden.jsonl"));
        assertEquals(new GitFiles.GitFile(first, "{\"id\": \"one\"}\n"), files.read(url, "v1", "evals/golden.jsonl"));
        assertEquals(new GitFiles.GitFile(first, "{\"id\": \"one\"}\n"), files.read(url, first, "evals/golden.jsonl"));
    }

    @Test
    void aWrongReferenceIsNotTransient_anUnreachableRepositoryIs() throws Exception {
        commit("evals/golden.jsonl", "{}\n");
        GitFiles files = new GitFiles(Clock.systemUTC());
        GitFiles.GitReadException noBranch = assertThrows(GitFiles.GitReadException.class,
                () -> files.read(url, "nope", "evals/golden.jsonl"));
        assertFalse(noBranch.transientFailure());
        assertTrue(noBranch.getMessage().contains("no branch or tag 'nope'"), noBranch.getMessage());
        GitFiles.GitReadException noFile = assertThrows(GitFiles.GitReadException.class,
                () -> files.read(url, "main", "evals/missing.jsonl"));
        assertFalse(noFile.transientFailure());
        GitFiles.GitReadException unreachable = assertThrows(GitFiles.GitReadException.class,
                () -> files.read("file://" + repository.resolve("not-a-repository"), "main", "x"));
        assertTrue(unreachable.transientFailure(), unreachable.getMessage());
    }

    /** current(): the first call answers empty and reads in the background; later calls answer what was read. */
    @Test
    void currentNeverWaitsOnTheNetwork_andRefreshesAfterTheTtl() throws Exception {
        commit("evals/golden.jsonl", "first\n");
        MutableClock clock = new MutableClock();
        GitFiles files = new GitFiles(clock);
        Optional<GitFiles.GitFile> first = files.current(url, "main", "evals/golden.jsonl");
        assertTrue(first.isEmpty() || first.get().text().equals("first\n"));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> files.current(url, "main", "evals/golden.jsonl")
                .map(GitFiles.GitFile::text).equals(Optional.of("first\n")));

        commit("evals/golden.jsonl", "second\n");
        assertEquals("first\n", files.current(url, "main", "evals/golden.jsonl").orElseThrow().text(),
                "within the TTL the known answer stands");
        clock.advance(GitFiles.REF_TTL.plusSeconds(1));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> files.current(url, "main", "evals/golden.jsonl")
                .map(GitFiles.GitFile::text).equals(Optional.of("second\n")));
    }

    static final class MutableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
