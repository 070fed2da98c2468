package dev.agentharness.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.runtime.testing.HarnessCommand;
import dev.agentharness.runtime.testing.HarnessCommand.Result;
import dev.agentharness.runtime.testing.LocalPgBouncer;
import dev.agentharness.runtime.testing.LocalPostgres;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code java -jar quarkus-run.jar migrate} as a Kubernetes Job would run it: against the direct endpoint of a real
 * PostgreSQL (with the pooled endpoint also set, as in the harness's own Secret), exit code 0/1/2/3 meaning what the
 * README says, idempotent, and safe when two Jobs start at once.
 */
class MigrateModeIT {

    private static LocalPostgres postgres;
    private static LocalPgBouncer bouncer;

    @BeforeAll
    static void servers() {
        LocalPostgres.assumeInstalled(true);
        postgres = LocalPostgres.start();
        bouncer = LocalPgBouncer.start(postgres);
    }

    @AfterAll
    static void stopServers() {
        if (bouncer != null) {
            bouncer.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void migrates_the_direct_endpoint_then_reports_up_to_date_and_never_prints_the_password() {
        postgres.createDatabase("migrate_once");
        Map<String, String> env = Map.of(
                "DATABASE_URL", bouncer.url("migrate_once"),
                "DATABASE_DIRECT_URL", postgres.url("migrate_once") + "&channel_binding=prefer");

        Result first = HarnessCommand.run(env, "migrate");
        Result second = HarnessCommand.run(env, "migrate");

        assertEquals(0, first.exitCode(), first.output());
        assertTrue(first.output().contains("applied versions [1"), first.output());
        assertTrue(first.output().contains(":" + postgres.port() + "/migrate_once"), "names the direct endpoint");
        assertEquals(0, second.exitCode(), second.output());
        assertTrue(second.output().contains("schema is up to date"), second.output());
        assertFalse(second.output().contains("applied versions"), second.output());
        for (Result result : List.of(first, second)) {
            assertFalse(result.output().contains(LocalPostgres.PASSWORD), "password leaked");
            assertFalse(result.output().contains(LocalPostgres.encodedPassword()), "encoded password leaked");
        }
    }

    @Test
    void two_jobs_starting_together_apply_each_migration_once() {
        postgres.createDatabase("migrate_race");
        Map<String, String> env = Map.of("DATABASE_DIRECT_URL", postgres.url("migrate_race"));

        CompletableFuture<Result> a = CompletableFuture.supplyAsync(() -> HarnessCommand.run(env, "migrate"));
        CompletableFuture<Result> b = CompletableFuture.supplyAsync(() -> HarnessCommand.run(env, "migrate"));

        assertEquals(0, a.join().exitCode(), a.join().output());
        assertEquals(0, b.join().exitCode(), b.join().output());
        long appliers = List.of(a.join(), b.join()).stream().filter(r -> r.output().contains("applied versions")).count();
        assertEquals(1, appliers, "exactly one job applied the schema:\n" + a.join().output() + "\n" + b.join().output());
    }

    @Test
    void falls_back_to_database_url_with_a_warning() {
        postgres.createDatabase("migrate_fallback");

        Result result = HarnessCommand.run(Map.of("DATABASE_URL", postgres.url("migrate_fallback")), "migrate");

        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("DATABASE_DIRECT_URL is not set"), result.output());
    }

    @Test
    void without_a_database_url_it_exits_2_naming_the_variables() {
        Result result = HarnessCommand.run(Map.of(), "migrate");

        assertEquals(2, result.exitCode(), result.output());
        assertTrue(result.output().contains("set DATABASE_DIRECT_URL"), result.output());
    }

    @Test
    void a_wrong_password_exits_1_at_once_without_echoing_it() {
        String wrong = "postgresql://postgres:Wr0ng-S3cret@127.0.0.1:" + postgres.port() + "/postgres";

        Result result = HarnessCommand.run(Map.of("DATABASE_DIRECT_URL", wrong), "migrate");

        assertEquals(1, result.exitCode(), result.output());
        assertFalse(result.output().contains("Wr0ng-S3cret"), result.output());
    }

    @Test
    void an_unreachable_database_exits_3_after_the_wait() {
        String nowhere = "postgresql://postgres:secret@127.0.0.1:1/neondb?sslmode=disable";

        Result result = HarnessCommand.run(Map.of("DATABASE_DIRECT_URL", nowhere, "MIGRATE_WAIT_SECONDS", "1"), "migrate");

        assertEquals(3, result.exitCode(), result.output());
        assertTrue(result.output().contains("unreachable"), result.output());
        assertFalse(result.output().contains("secret"), result.output());
    }
}
