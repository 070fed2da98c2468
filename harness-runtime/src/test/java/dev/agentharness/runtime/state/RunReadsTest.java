package dev.agentharness.runtime.state;

import static dev.agentharness.runtime.state.RunFixture.ids;
import static dev.agentharness.runtime.state.RunFixture.newRun;
import static dev.agentharness.runtime.state.RunFixture.principal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link RunReads}: visibility per principal and the change feed, on real PostgreSQL (direct and through PgBouncer). */
class RunReadsTest {

    private static RunFixture fixture;
    private static RunSubmissions submissions;
    private static RunCompletions completions;
    private static RunReads reads;

    @BeforeAll
    static void database() {
        fixture = RunFixture.migrated();
        submissions = fixture.submissions;
        completions = fixture.completions;
        reads = fixture.reads;
    }

    @AfterAll
    static void close() {
        fixture.close();
    }

    @Test
    void another_principal_cannot_see_a_run() {
        RunRecord run = submissions.submit(newRun(principal(), null, null)).run();

        assertTrue(reads.find(run.runId(), "someone-else").isEmpty());
        assertTrue(reads.findAny(run.runId()).isPresent());
        assertTrue(reads.trace(run.runId(), "someone-else").isEmpty());
    }

    @Test
    void the_feed_lists_changes_oldest_first_from_an_inclusive_start() {
        String principal = principal();
        RunRecord a = submissions.submit(newRun(principal, null, null)).run();
        RunRecord b = submissions.submit(newRun(principal, null, null)).run();
        RunRecord c = submissions.submit(newRun(principal, null, null)).run();
        RunRecord aCancelled = completions.requestCancel(a.runId(), principal).orElseThrow();

        assertEquals(List.of(b.runId(), c.runId(), a.runId()), ids(reads.changedAfter(principal, null, 100)));
        assertEquals(List.of(b.runId(), c.runId(), a.runId()), ids(changedSince(principal, b.updatedAt())));
        assertEquals(List.of(c.runId(), a.runId()), ids(changedSince(principal, c.updatedAt())));
        assertEquals(List.of(a.runId()), ids(changedSince(principal, aCancelled.updatedAt())));
        assertEquals(List.of(b.runId(), c.runId()), ids(reads.changedAfter(principal, null, 2)));
        assertEquals(List.of(c.runId(), a.runId()), ids(reads.changedAfter(principal, FeedPosition.after(b), 100)));
        assertEquals(List.of(), ids(reads.changedAfter("nobody-" + UUID.randomUUID(), null, 100)));
    }

    @Test
    void pages_smaller_than_a_group_sharing_one_timestamp_visit_every_run_exactly_once() {
        // A claim batch or a lease sweep stamps many runs in one transaction: one updated_at for all of them.
        String principal = principal();
        RunRecord before = submissions.submit(newRun(principal, null, null)).run();
        List<String> group = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            group.add(submissions.submit(newRun(principal, null, null)).run().runId());
        }
        RunRecord after = submissions.submit(newRun(principal, null, null)).run();
        OffsetDateTime shared = after.updatedAt().plusSeconds(1);
        fixture.execute("UPDATE public.runs SET updated_at = $1 WHERE id = ANY($2)", Tuple.of(shared).addArrayOfString(group.toArray(String[]::new)));
        fixture.execute("UPDATE public.runs SET updated_at = $1 WHERE id = $2", Tuple.of(shared.plusSeconds(1), after.runId()));

        List<String> visited = new ArrayList<>();
        FeedPosition position = FeedPosition.startingAt(before.updatedAt());
        for (int page = 0; page < 20; page++) {
            List<RunRecord> changes = reads.changedAfter(principal, position, 3);
            if (changes.isEmpty()) {
                break;
            }
            visited.addAll(ids(changes));
            position = FeedPosition.after(changes.getLast());
        }

        assertEquals(9, visited.size(), visited.toString());
        assertEquals(before.runId(), visited.getFirst());
        assertEquals(Set.copyOf(group), Set.copyOf(visited.subList(1, 8)), "each of the group exactly once");
        assertEquals(after.runId(), visited.getLast());
    }

    private static List<RunRecord> changedSince(String principal, OffsetDateTime since) {
        return reads.changedAfter(principal, FeedPosition.startingAt(since), 100);
    }
}
