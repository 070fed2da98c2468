package dev.agentharness.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.runtime.testing.HarnessProcess;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, item 6: a harness on the embedded PostgreSQL that is killed outright (SIGKILL: no shutdown hook runs)
 * takes its postmaster with it, and a harness started again on the same data directory comes up and serves what the
 * killed one recorded. Two harnesses never share one data directory: the second refuses to start and says why.
 */
class EmbeddedDatabaseCrashIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Hang guard only: a postmaster that outlives its harness by this much is one that nobody stops. */
    private static final Duration POSTMASTER_EXIT_GUARD = Duration.ofSeconds(60);

    private FakeModelServer model;
    private Path dataDir;
    private Map<String, String> env;

    @BeforeEach
    void start() throws IOException {
        model = new FakeModelServer().start(0);
        model.responder(FakeModelServer.mayaDemo());
        // Under /tmp: every parent is traversable, and the socket path stays short enough to live in the data dir.
        dataDir = Files.createTempDirectory(Path.of("/tmp"), "harness-crash-");
        env = Map.of(
                "HARNESS_DATA_DIR", dataDir.toString(),
                "OPENAI_API_KEY", "sk-crash-test",
                "OPENAI_BASE_URL", model.baseUrl());
    }

    @AfterEach
    void stop() {
        model.close();
        FileUtils.deleteQuietly(dataDir.toFile());
    }

    @Test
    void a_killed_harness_takes_its_postmaster_along_and_a_new_one_comes_up_on_the_same_data_directory() throws Exception {
        Path log = Files.createTempFile("harness-crash", ".log");
        String runId;
        String reply;
        long postmaster;
        try (HarnessProcess first = HarnessProcess.start(env, log)) {
            HttpResponse<String> created = first.postJson("/runs", "{\"message\":\"ACME-1004 here, please help with my bill\"}");
            assertEquals(200, created.statusCode(), created.body());
            JsonNode run = JSON.readTree(created.body());
            assertEquals("succeeded", run.path("status").asText());
            runId = run.path("run_id").asText();
            reply = run.path("reply").asText();
            postmaster = postmasterPid();
            assertTrue(running(postmaster), "postmaster " + postmaster + " runs while its harness does");

            first.kill();
        }

        Instant deadline = Instant.now().plus(POSTMASTER_EXIT_GUARD);
        while (running(postmaster) && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
        }
        assertFalse(running(postmaster), "the embedded PostgreSQL (pid " + postmaster + ") outlived the killed harness by "
                + POSTMASTER_EXIT_GUARD + ":\n" + Files.readString(log));

        // HarnessProcess.start waits (bounded) for /q/health/ready and fails with the log if the harness hangs or exits.
        try (HarnessProcess second = HarnessProcess.start(env, log)) {
            assertEquals(200, second.get("/health").statusCode());
            JsonNode run = JSON.readTree(second.get("/runs/" + runId).body());
            assertEquals("succeeded", run.path("status").asText(), run.toString());
            assertEquals(reply, run.path("reply").asText());
        }
    }

    @Test
    void a_second_harness_on_the_same_data_directory_refuses_to_start_and_names_it() throws Exception {
        Path firstLog = Files.createTempFile("harness-crash-first", ".log");
        Path secondLog = Files.createTempFile("harness-crash-second", ".log");
        try (HarnessProcess first = HarnessProcess.start(env, firstLog)) {
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> HarnessProcess.start(env, secondLog));
            assertTrue(refused.getMessage().startsWith("harness exited with"), refused.getMessage());
            String secondOutput = Files.readString(secondLog);
            assertTrue(secondOutput.contains("is in use by another") && secondOutput.contains(dataDir.resolve("postgres").toString()),
                    secondOutput);
            // The first one is untouched by the attempt.
            assertEquals(200, first.get("/health").statusCode());
            assertEquals(200, first.postJson("/runs", "{\"message\":\"ACME-1004 here\"}").statusCode());
        }
    }

    private long postmasterPid() throws IOException {
        // postmaster.pid: the first line is the postmaster's process id.
        return Long.parseLong(Files.readAllLines(dataDir.resolve("postgres").resolve("postmaster.pid")).get(0).strip());
    }

    /** Alive and not a zombie (an orphan that exited may wait for a reaper that never comes in a container). */
    private static boolean running(long pid) throws IOException {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // "pid (comm) S ...": the state follows the last ')' (comm may hold spaces or parentheses).
            char state = stat.substring(stat.lastIndexOf(')') + 2).charAt(0);
            return state != 'Z' && state != 'X';
        } catch (NoSuchFileException gone) {
            return false;
        }
    }
}
