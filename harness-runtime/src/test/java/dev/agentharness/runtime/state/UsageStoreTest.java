package dev.agentharness.runtime.state;

import static dev.agentharness.runtime.state.RunFixture.LEASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.runtime.state.RunJournal.Lease;
import dev.agentharness.runtime.state.UsageStore.GroupBy;
import dev.agentharness.runtime.state.UsageStore.UsageTotals;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code public.usage} on real PostgreSQL (run twice by surefire: embedded, then through PgBouncer in transaction
 * mode): a model response's usage row is written by the fenced journal append itself — never by a worker that lost the
 * lease, once per call across a resume — and read back as today's spend and as grouped chargeback totals.
 */
class UsageStoreTest {

    private static RunFixture fixture;
    private static UsageStore usage;

    @BeforeAll
    static void database() {
        fixture = RunFixture.migrated();
        usage = new UsageStore(fixture.pool);
    }

    @AfterAll
    static void close() {
        fixture.close();
    }

    @Test
    void aModelResponseAppendedUnderTheLeaseWritesItsUsageRowInTheSameStatement() {
        Lease lease = fixture.leaseOf(fixture.claimOne(LEASE));
        RunRecord run = fixture.reads.findAny(lease.runId()).orElseThrow();

        assertTrue(fixture.journal.append(lease, List.of(
                step(1, "agent_started", "{\"agent\":\"maya\",\"tools\":[],\"handoffs\":[]}"),
                response(2, "billing", "gpt-4.1-mini", 2_000, 1_500, 100, 0.00051)), 1));

        List<Row> rows = usageRows(lease.runId());
        assertEquals(1, rows.size(), "one row per model response, none for other steps");
        Row row = rows.getFirst();
        assertEquals(2, row.getInteger("seq"));
        assertEquals(run.principal(), row.getString("principal"));
        assertEquals("maya", row.getString("agent"), "the run's agent: chargeback is by what was submitted");
        assertEquals("gpt-4.1-mini", row.getString("model"));
        assertEquals(2_000, row.getLong("input_tokens"));
        assertEquals(1_500, row.getLong("cached_input_tokens"));
        assertEquals(100, row.getLong("output_tokens"));
        assertEquals(new BigDecimal("0.00051"), row.getBigDecimal("cost_usd"));
        assertEquals(new BigDecimal("0.00051"), usage.spentSince(run.principal(), Instant.now().minusSeconds(600)));
    }

    @Test
    void aWorkerThatLostTheLeaseWritesNoUsageAndAResumedRunBillsEachCallOnce() {
        String first = fixture.claimOne(LEASE);
        Lease lease = fixture.leaseOf(first);
        String principal = fixture.reads.findAny(lease.runId()).orElseThrow().principal();
        assertTrue(fixture.journal.append(lease, List.of(response(1, "maya", "m", 100, 0, 10, 0.25)), 1));

        // The worker stalls; the sweep hands the run to another worker, which resumes it under epoch + 1.
        fixture.expireLease(lease.runId(), Duration.ofMinutes(1));
        fixture.queue.recoverExpiredLeases("sweeper-" + UUID.randomUUID(), 3, Duration.ofMinutes(1));
        String second = "worker-" + UUID.randomUUID();
        assertEquals(1, fixture.queue.claimQueued(second, 1, LEASE).size());
        Lease resumed = fixture.leaseOf(second);
        assertEquals(lease.epoch() + 1, resumed.epoch());

        // The old worker's next response is fenced out: no step, no usage.
        assertFalse(fixture.journal.append(lease, List.of(response(2, "maya", "m", 500, 0, 50, 4)), 1));
        // The new worker replays step 1 (nothing appended for it) and records its own next call.
        assertTrue(fixture.journal.append(resumed, List.of(response(2, "maya", "m", 200, 100, 20, 0.5)), 1));

        List<Row> rows = usageRows(lease.runId());
        assertEquals(List.of(1, 2), rows.stream().map(r -> r.getInteger("seq")).toList());
        assertEquals(List.of(100L, 200L), rows.stream().map(r -> r.getLong("input_tokens")).toList());
        assertEquals(0, new BigDecimal("0.75").compareTo(usage.spentSince(principal, Instant.EPOCH)));
    }

    @Test
    void aRunsRecordedAgentVersionsAreReadBackAndItsUsageRowsCarryTheVersion() {
        String version = "sha256:" + "a".repeat(64);
        String helper = "sha256:" + "b".repeat(64);
        fixture.drainQueue();
        NewRun plain = RunFixture.newRun(RunFixture.principal(), null, null);
        NewRun submitted = new NewRun(plain.runId(), plain.sessionId(), plain.principal(), "support", plain.model(),
                plain.message(), plain.requestJson(), plain.requestHash(), null, 10, null, false, plain.traceId(),
                null, null, version, java.util.Map.of("support", version, "helper", helper));
        RunRecord stored = fixture.submissions.submit(submitted).run();
        assertEquals(version, stored.agentVersion());
        assertEquals(java.util.Map.of("support", version, "helper", helper), stored.agentVersions());

        String worker = "worker-" + UUID.randomUUID();
        assertEquals(1, fixture.queue.claimQueued(worker, 1, LEASE).size());
        Lease lease = fixture.leaseOf(worker);
        RunRecord claimed = fixture.reads.findAny(lease.runId()).orElseThrow();
        assertEquals(version, claimed.agentVersion(), "the claim hands the worker the recorded versions");
        assertEquals(stored.agentVersions(), claimed.agentVersions());
        assertTrue(fixture.journal.append(lease, List.of(response(1, "support", "m", 100, 0, 10, 0.25),
                response(2, "helper", "m", 10, 0, 1, 0.5)), 2));

        List<Row> rows = usageRows(lease.runId());
        assertEquals(List.of(version, version), rows.stream().map(r -> r.getString("agent_version")).toList(),
                "billed to the run's agent at the version it started with, as the agent column is");
        Instant now = Instant.now();
        assertEquals(List.of(totals("support@" + version, 1, 110, 0, 11, "0.75")), usage.totals(
                now.minusSeconds(600), now.plusSeconds(600), GroupBy.AGENT_VERSION, Optional.of(plain.principal())));

        // A run without versions (a pre-V12 row) stores SQL NULLs and groups under its agent's bare name.
        RunRecord old = fixture.submissions.submit(RunFixture.newRun(RunFixture.principal(), null, null)).run();
        assertEquals(null, old.agentVersion());
        assertEquals(java.util.Map.of(), old.agentVersions());
        assertEquals(0, fixture.count("SELECT count(*) FROM public.runs WHERE id = $1 AND agent_versions IS NOT NULL",
                old.runId()));
        insert(old.principal(), "maya", "m", now, 1, 0, 1, "0.5");
        assertEquals(List.of(totals("maya", 1, 1, 0, 1, "0.5")), usage.totals(now.minusSeconds(600),
                now.plusSeconds(600), GroupBy.AGENT_VERSION, Optional.of(old.principal())));
    }

    @Test
    void spendSinceCountsOnlyThePrincipalsCallsFromThatInstant() {
        String alice = RunFixture.principal();
        String bob = RunFixture.principal();
        Instant midnight = Instant.parse("2026-12-04T00:00:00Z");
        insert(alice, "maya", "a", midnight.minusSeconds(1), 10, 0, 1, "1.00");
        insert(alice, "maya", "a", midnight, 10, 0, 1, "0.25");
        insert(alice, "maya", "b", midnight.plusSeconds(3600), 10, 0, 1, "0.125");
        insert(bob, "maya", "a", midnight.plusSeconds(60), 10, 0, 1, "7");

        assertEquals(0, new BigDecimal("0.375").compareTo(usage.spentSince(alice, midnight)));
        assertEquals(0, new BigDecimal("1.375").compareTo(usage.spentSince(alice, midnight.minusSeconds(86_400))));
        assertEquals(0, BigDecimal.ZERO.compareTo(usage.spentSince(RunFixture.principal(), midnight)));
    }

    @Test
    void totalsGroupByPrincipalAgentModelAndUtcDayOverAHalfOpenWindow() {
        String alice = RunFixture.principal();
        String bob = RunFixture.principal();
        Instant day1 = Instant.parse("2025-03-01T00:00:00Z");
        Instant day2 = day1.plus(Duration.ofDays(1));
        // run-1 (alice, maya): two calls on day 1, one per model; run-2 (alice, billing) on day 2; bob's run on day 1.
        insert(alice, "maya", "gpt-a", "run-1-" + alice, 1, day1.plusSeconds(10), 1_000, 400, 200, "0.00056");
        insert(alice, "maya", "gpt-b", "run-1-" + alice, 2, day1.plusSeconds(20), 2_000, 1_500, 100, "0.00051");
        insert(alice, "billing", "gpt-b", "run-2-" + alice, 1, day2.plusSeconds(86_399), 300, 0, 30, "0.000168");
        insert(bob, "maya", "gpt-a", "run-3-" + bob, 1, day1.plusSeconds(5), 50, 0, 5, "0.0000225");
        // Outside the window: the instant `to` itself (exclusive) and before `from`.
        insert(alice, "maya", "gpt-a", "run-4-" + alice, 1, day2.plus(Duration.ofDays(1)), 9, 9, 9, "9");
        insert(alice, "maya", "gpt-a", "run-5-" + alice, 1, day1.minusMillis(1), 9, 9, 9, "9");
        Instant to = day2.plus(Duration.ofDays(1));

        assertEquals(List.of(
                        totals("2025-03-01", 1, 3_000, 1_900, 300, "0.00107"),
                        totals("2025-03-02", 1, 300, 0, 30, "0.000168")),
                usage.totals(day1, to, GroupBy.DAY, Optional.of(alice)));
        assertEquals(List.of(
                        totals("billing", 1, 300, 0, 30, "0.000168"),
                        totals("maya", 1, 3_000, 1_900, 300, "0.00107")),
                usage.totals(day1, to, GroupBy.AGENT, Optional.of(alice)));
        assertEquals(List.of(
                        totals("gpt-a", 1, 1_000, 400, 200, "0.00056"),
                        totals("gpt-b", 2, 2_300, 1_500, 130, "0.000678")),
                usage.totals(day1, to, GroupBy.MODEL, Optional.of(alice)));
        assertEquals(List.of(totals(alice, 2, 3_300, 1_900, 330, "0.001238")),
                usage.totals(day1, to, GroupBy.PRINCIPAL, Optional.of(alice)));
        List<UsageTotals> everyone = usage.totals(day1, to, GroupBy.PRINCIPAL, Optional.empty()).stream()
                .filter(t -> t.key().equals(alice) || t.key().equals(bob)).toList();
        assertEquals(2, everyone.size());
        assertTrue(everyone.contains(totals(bob, 1, 50, 0, 5, "0.0000225")), everyone.toString());
    }

    private static UsageTotals totals(String key, long runs, long input, long cached, long output, String cost) {
        return new UsageTotals(key, runs, input, cached, output, new BigDecimal(cost));
    }

    private static void insert(String principal, String agent, String model, Instant at, long input, long cached,
                               long output, String cost) {
        insert(principal, agent, model, "run-" + UUID.randomUUID(), 1, at, input, cached, output, cost);
    }

    private static void insert(String principal, String agent, String model, String runId, int seq, Instant at,
                               long input, long cached, long output, String cost) {
        fixture.execute("INSERT INTO public.usage (run_id, seq, principal, agent, model, input_tokens, "
                        + "cached_input_tokens, output_tokens, cost_usd, recorded_at) "
                        + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::numeric, $10)",
                Tuple.from(new Object[] {runId, seq, principal, agent, model, input, cached, output, cost,
                        OffsetDateTime.ofInstant(at, ZoneOffset.UTC)}));
    }

    private static List<Row> usageRows(String runId) {
        List<Row> rows = new ArrayList<>();
        fixture.execute("SELECT * FROM public.usage WHERE run_id = $1 ORDER BY seq", Tuple.of(runId)).forEach(rows::add);
        return rows;
    }

    private static JournalStep step(int seq, String kind, String payload) {
        return JournalStep.of(seq, kind, payload);
    }

    private static JournalStep response(int seq, String agent, String model, long input, long cached, long output,
                                        double cost) {
        return step(seq, "model_response", "{\"agent\":\"" + agent + "\",\"model\":\"" + model + "\",\"turn\":1,"
                + "\"input_tokens\":" + input + ",\"cached_input_tokens\":" + cached + ",\"output_tokens\":" + output
                + ",\"cost_usd\":" + cost + ",\"output\":[]}");
    }
}
