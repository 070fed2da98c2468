package dev.agentharness.runtime.state;

import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What fair claiming costs (docs/benchmarks.md, "Fair claiming"): 2,000 queued runs across 20 principals beside 1,000
 * running and 20,000 finished ones; a dispatcher's claim (100 rows, {@code CLAIM_BATCH}) with the plain oldest-first
 * statement it replaced, the fair statement without bounds and with a max_in_flight per principal. Each claim runs in
 * a transaction that is rolled back, so every round sees the same queue; EXPLAIN ANALYZE of each is printed.
 * Not part of the suite (no *Test name): {@code ./mvnw -o test -pl harness-runtime -Dtest=FairClaimBench}.
 */
class FairClaimBench {

    /** The claim before fair claiming (RunQueue.claimQueued up to V8). */
    private static final String PLAIN_CLAIM = "UPDATE public.runs r SET status = 'running', "
            + "started_at = COALESCE(r.started_at, now()), attempts = r.attempts + 1, lease_epoch = r.lease_epoch + 1, "
            + "lease_owner = $1, lease_expires_at = now() + $3::bigint * interval '1 millisecond', updated_at = now() "
            + "FROM (SELECT id AS claim_id FROM public.runs WHERE status = 'queued' "
            + "ORDER BY created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) c "
            + "WHERE r.id = c.claim_id RETURNING " + RunRows.COLUMNS;

    private static final int ROUNDS = 100;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Test
    void claimOf100From2000QueuedAcross20Principals() {
        try (TestDatabase db = TestDatabase.migrated()) {
            Pool pool = db.pool();
            fill(pool);
            String[] principals = new String[20];
            Integer[] limits = new Integer[20];
            for (int p = 0; p < 20; p++) {
                principals[p] = "bench-" + p;
                limits[p] = 60;
            }
            Tuple unbounded = args(new String[0], new Integer[0], null);
            Tuple bounded = args(principals, limits, null);
            List<Scenario> scenarios = List.of(
                    new Scenario("plain (oldest first, before)", PLAIN_CLAIM, Tuple.of("bench", 100, 30_000L), false),
                    new Scenario("fair, no in-flight bounds", RunQueue.FAIR_CLAIM, unbounded, false),
                    new Scenario("fair, max_in_flight 60 each (+ claim lock)", RunQueue.FAIR_CLAIM, bounded, true));
            for (int warm = 0; warm < 10; warm++) {
                scenarios.forEach(s -> time(pool, s));
            }
            // Interleaved, with a VACUUM before each claim: every rolled-back claim leaves dead row versions behind.
            Map<Scenario, long[]> micros = new java.util.LinkedHashMap<>();
            scenarios.forEach(s -> micros.put(s, new long[ROUNDS]));
            int[] claimed = new int[scenarios.size()];
            for (int i = 0; i < ROUNDS; i++) {
                for (int k = 0; k < scenarios.size(); k++) {
                    Blocking.await(pool.query("VACUUM public.runs").execute(), TIMEOUT);
                    long start = System.nanoTime();
                    claimed[k] = time(pool, scenarios.get(k));
                    micros.get(scenarios.get(k))[i] = (System.nanoTime() - start) / 1_000;
                }
            }
            for (int k = 0; k < scenarios.size(); k++) {
                Scenario s = scenarios.get(k);
                long[] m = micros.get(s);
                Arrays.sort(m);
                System.out.printf("CLAIM-BENCH %-45s rows=%d median=%.2f ms p90=%.2f ms (BEGIN, claim, ROLLBACK)%n",
                        s.name(), claimed[k], m[ROUNDS / 2] / 1000.0, m[ROUNDS * 9 / 10] / 1000.0);
            }
            for (Scenario s : scenarios) {
                Blocking.await(pool.query("VACUUM public.runs").execute(), TIMEOUT);
                List<String> plan = new ArrayList<>();
                withRolledBack(pool, conn -> Blocking.await(conn.preparedQuery("EXPLAIN (ANALYZE, BUFFERS) " + s.sql())
                        .execute(s.args()), TIMEOUT).forEach(row -> plan.add(row.getString(0))));
                System.out.println("CLAIM-BENCH plan of " + s.name() + ":\n  " + String.join("\n  ", plan));
            }
        }
    }

    private static Tuple args(String[] principals, Integer[] limits, Integer defaultMax) {
        return Tuple.tuple().addString("bench").addInteger(100).addLong(30_000L).addArrayOfString(principals)
                .addArrayOfInteger(limits).addInteger(defaultMax);
    }

    private record Scenario(String name, String sql, Tuple args, boolean lock) {
    }

    private static int time(Pool pool, Scenario s) {
        int[] rows = new int[1];
        withRolledBack(pool, conn -> {
            if (s.lock()) {
                Blocking.await(conn.preparedQuery("SELECT pg_advisory_xact_lock($1, 0)")
                        .execute(Tuple.of(RunQueue.CLAIM_LOCK_CLASS)), TIMEOUT);
            }
            rows[0] = Blocking.await(conn.preparedQuery(s.sql()).execute(s.args()), TIMEOUT).size();
        });
        return rows[0];
    }

    private static void withRolledBack(Pool pool, java.util.function.Consumer<SqlConnection> work) {
        SqlConnection conn = Blocking.await(pool.getConnection(), TIMEOUT);
        try {
            Transaction tx = Blocking.await(conn.begin(), TIMEOUT);
            try {
                work.accept(conn);
            } finally {
                Blocking.await(tx.rollback(), TIMEOUT);
            }
        } finally {
            Blocking.await(conn.close(), TIMEOUT);
        }
    }

    private static void fill(Pool pool) {
        String insert = "WITH s AS (INSERT INTO public.sessions (principal, id) "
                + "SELECT 'bench-' || p, 'ses-bench-' || p FROM generate_series(0, 19) p RETURNING principal, id) "
                + "INSERT INTO public.runs (id, session_id, principal, agent, model, message, request_json, request_hash, "
                + "max_turns, status, created_at) "
                + "SELECT 'run-bench-' || n, 'ses-bench-' || (n % 20), 'bench-' || (n % 20), 'maya', 'm', 'hi', '{}', 'h', 10, "
                + "CASE WHEN n < 20000 THEN 'succeeded' WHEN n < 21000 THEN 'running' ELSE 'queued' END, "
                + "now() - (23000 - n) * interval '1 millisecond' FROM generate_series(0, 22999) n";
        Blocking.await(pool.query(insert).execute(), TIMEOUT);
        Blocking.await(pool.query("ANALYZE public.runs").execute(), TIMEOUT);
        Row queued = Blocking.await(pool.query("SELECT count(*) FROM public.runs WHERE status = 'queued'").execute(),
                TIMEOUT).iterator().next();
        System.out.println("CLAIM-BENCH queued=" + queued.getLong(0) + " principals=20 running=1000 finished=20000");
    }

}
