package dev.agentharness.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The CDI wiring: with no DATABASE_URL the service boots on the embedded database with the schema applied. */
@QuarkusTest
class DatabaseBootTest {

    @Inject
    Database database;

    @Inject
    RunSubmissions submissions;

    @Inject
    SessionStore sessions;

    @Test
    void boots_on_the_embedded_database_with_migrations_applied() {
        assertFalse(database.external());
        assertTrue(database.ready());
        assertTrue(database.ping(Duration.ofSeconds(5)));
    }

    @Test
    void injected_stores_share_the_application_pool() {
        String principal = "boot-" + UUID.randomUUID();
        String runId = "run-" + UUID.randomUUID();
        NewRun run = new NewRun(runId, "s-" + runId, principal, "maya", "gpt-5.4-mini", "hi", "{}", "h", null, 10,
                null, false, "trace-" + runId);

        assertTrue(submissions.submit(run).created());

        assertEquals(runId, sessions.runs("s-" + runId, principal).get(0).runId());
    }
}
