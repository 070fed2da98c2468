package dev.agentharness.runtime.state;

import io.opentelemetry.api.trace.Tracer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Samples finished runs for the nightly evaluation: runs that ended {@code succeeded}, {@code failed} or
 * {@code timed_out} with {@code completed_at} in {@code [from, to)}, picked at random but reproducibly — ordered by
 * {@code md5(seed || id)}, so the same seed over the same rows gives the same sample, and another seed another one.
 *
 * <p>Index use: the predicate carries {@code status = ANY(…) AND created_at >= from - lookback AND created_at < to},
 * a range scan of {@code runs_status_created_idx (status, created_at)}; {@code completed_at} is filtered on those rows.
 * A run created more than {@link #LOOKBACK} before the window and finished inside it is therefore not sampled (a run
 * lives at most its timeout; only a run queued for a week would be missed). Read only: the statement never locks or
 * changes a row.
 */
@ApplicationScoped
public class RunSamples extends StoreStatements {

    /** How long before the window a sampled run may have been created. */
    public static final Duration LOOKBACK = Duration.ofDays(7);

    /** One sampled run: what the nightly needs to pick its evaluators before it reads the journal. */
    public record SampledRun(String runId, String agent, String principal, String status) {
    }

    private static final String FINISHED = "status = ANY($1::text[]) AND created_at >= $2 AND created_at < $4 "
            + "AND completed_at >= $3 AND completed_at < $4";

    private static final String SAMPLE = "SELECT id, agent, principal, status FROM public.runs WHERE " + FINISHED
            + " ORDER BY md5($5 || id), id LIMIT $6";

    private static final String SAMPLE_PER_AGENT = "SELECT id, agent, principal, status FROM (SELECT id, agent, "
            + "principal, status, row_number() OVER (PARTITION BY agent ORDER BY md5($5 || id), id) AS pick "
            + "FROM public.runs WHERE " + FINISHED + ") AS ranked WHERE pick <= $6 ORDER BY agent, pick";

    private static final String COUNT = "SELECT count(*) AS finished FROM public.runs WHERE " + FINISHED;

    private static final String RUNS = SELECT_RUN + "WHERE id = ANY($1::text[])";

    private static final String STEPS = "SELECT run_id, seq, kind, payload::text AS payload, created_at "
            + "FROM public.run_steps WHERE run_id = ANY($1::text[]) ORDER BY run_id, seq";

    private static final String[] STATUSES = {"succeeded", "failed", "timed_out"};

    private final Tracer tracer;

    @Inject
    public RunSamples(Database database, Tracer tracer) {
        this(database::pool, database.callTimeout(), tracer);
    }

    public RunSamples(Pool pool) {
        this(() -> pool, Duration.ofSeconds(30), StatementSpans.NONE);
    }

    public RunSamples(Supplier<Pool> pool, Duration timeout, Tracer tracer) {
        super(pool, timeout);
        this.tracer = tracer;
    }

    /** For the CDI client proxy. */
    RunSamples() {
        this.tracer = StatementSpans.NONE;
    }

    /**
     * Up to {@code size} finished runs of {@code [from, to)} in a random order fixed by {@code seed}; with
     * {@code perAgent}, up to {@code size} per agent (ordered by agent).
     */
    public List<SampledRun> sample(Instant from, Instant to, int size, boolean perAgent, long seed) {
        if (size < 1) {
            throw new IllegalArgumentException("a sample has at least one run, not " + size);
        }
        Tuple args = window(from, to).addString(Long.toString(seed)).addInteger(size);
        RowSet<Row> rows = StatementSpans.traced(tracer, "SELECT", "public.runs", () -> await(pool.get()
                .preparedQuery(perAgent ? SAMPLE_PER_AGENT : SAMPLE).execute(args)));
        List<SampledRun> sample = new ArrayList<>(rows.size());
        rows.forEach(row -> sample.add(new SampledRun(row.getString("id"), row.getString("agent"),
                row.getString("principal"), row.getString("status"))));
        return sample;
    }

    /** How many finished runs the window holds (the population the sample was drawn from). */
    public long finishedCount(Instant from, Instant to) {
        RowSet<Row> rows = StatementSpans.traced(tracer, "SELECT", "public.runs",
                () -> await(pool.get().preparedQuery(COUNT).execute(window(from, to))));
        return rows.iterator().next().getLong("finished");
    }

    /** The rows of {@code runIds} (absent ones are missing): one statement for a batch of sampled runs. */
    public List<RunRecord> runs(List<String> runIds) {
        if (runIds.isEmpty()) {
            return List.of();
        }
        return StatementSpans.traced(tracer, "SELECT", "public.runs",
                () -> list(RUNS, Tuple.of(runIds.toArray(String[]::new))));
    }

    /**
     * The whole journal of each of {@code runIds}, in step order: one statement for a batch (the primary key
     * {@code (run_id, seq)} serves it), instead of one per run.
     */
    public Map<String, List<JournalStep>> journals(List<String> runIds) {
        Map<String, List<JournalStep>> journals = new HashMap<>();
        if (runIds.isEmpty()) {
            return journals;
        }
        RowSet<Row> rows = StatementSpans.traced(tracer, "SELECT", "public.run_steps", () -> await(pool.get()
                .preparedQuery(STEPS).execute(Tuple.of(runIds.toArray(String[]::new)))));
        rows.forEach(row -> journals.computeIfAbsent(row.getString("run_id"), id -> new ArrayList<>())
                .add(new JournalStep(row.getInteger("seq"), row.getString("kind"), row.getString("payload"),
                        row.getOffsetDateTime("created_at"))));
        return journals;
    }

    private static Tuple window(Instant from, Instant to) {
        if (!from.isBefore(to)) {
            throw new IllegalArgumentException("the window's start " + from + " is not before its end " + to);
        }
        return Tuple.tuple().addArrayOfString(STATUSES)
                .addOffsetDateTime(OffsetDateTime.ofInstant(from.minus(LOOKBACK), ZoneOffset.UTC))
                .addOffsetDateTime(OffsetDateTime.ofInstant(from, ZoneOffset.UTC))
                .addOffsetDateTime(OffsetDateTime.ofInstant(to, ZoneOffset.UTC));
    }
}
