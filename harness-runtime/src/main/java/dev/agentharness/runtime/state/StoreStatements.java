package dev.agentharness.runtime.state;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What the run stores ({@link RunSubmissions}, {@link RunQueue}, {@link RunCompletions}, {@link RunReads},
 * {@link RunJournal}) share: the
 * pool, the blocking await with the call timeout, run-row reads, and the audit and journal inserts that several of
 * their transactions make. A base class rather than a collaborator so each store's statements read the same as when
 * they lived in one class.
 */
abstract class StoreStatements {

    static final String SELECT_RUN = "SELECT " + RunRows.COLUMNS + " FROM public.runs ";

    private static final String INSERT_AUDIT =
            "INSERT INTO public.audit_log (principal, run_id, action, detail) VALUES ($1, $2, $3, $4::text::jsonb)";

    final Supplier<Pool> pool;
    private final Duration timeout;

    StoreStatements(Supplier<Pool> pool, Duration timeout) {
        this.pool = pool;
        this.timeout = timeout;
    }

    /** For the CDI client proxy only (it subclasses the store and delegates every call to the real bean). */
    StoreStatements() {
        this(null, null);
    }

    static Future<?> insertSteps(SqlConnection conn, String runId, long epoch, List<JournalStep> steps) {
        if (steps.isEmpty()) {
            return Future.succeededFuture();
        }
        return conn.preparedQuery("INSERT INTO public.run_steps (run_id, seq, kind, payload, epoch) "
                + "SELECT $1, s.seq, s.kind, s.payload::jsonb, $2 FROM unnest($3::int[], $4::text[], $5::text[]) "
                + "AS s(seq, kind, payload)").execute(withSteps(Tuple.tuple().addString(runId).addLong(epoch), steps));
    }

    /** {@code values} followed by the steps as three parallel arrays (seq, kind, payload) for {@code unnest}. */
    static Tuple withSteps(Tuple values, List<JournalStep> steps) {
        return values.addArrayOfInteger(steps.stream().map(JournalStep::seq).toArray(Integer[]::new))
                .addArrayOfString(steps.stream().map(JournalStep::kind).toArray(String[]::new))
                .addArrayOfString(steps.stream().map(JournalStep::payloadJson).toArray(String[]::new));
    }

    static Future<?> insertAudit(SqlConnection conn, List<AuditEntry> entries) {
        if (entries.isEmpty()) {
            return Future.succeededFuture();
        }
        return conn.preparedQuery(INSERT_AUDIT).executeBatch(entries.stream().map(StoreStatements::auditTuple).toList());
    }

    static Future<?> insertAudit(SqlClient client, AuditEntry entry) {
        return client.preparedQuery(INSERT_AUDIT).execute(auditTuple(entry));
    }

    private static Tuple auditTuple(AuditEntry e) {
        return Tuple.of(e.principal(), e.runId(), e.action(), e.detailJson() == null ? "{}" : e.detailJson());
    }

    Optional<RunRecord> one(String sql, Tuple args) {
        List<RunRecord> rows = list(sql, args);
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }

    List<RunRecord> list(String sql, Tuple args) {
        RowSet<Row> rows = await(pool.get().preparedQuery(sql).execute(args));
        List<RunRecord> runs = new ArrayList<>(rows.size());
        rows.forEach(row -> runs.add(RunRows.map(row)));
        return runs;
    }

    <T> T await(Future<T> future) {
        return Blocking.await(future, timeout);
    }
}
