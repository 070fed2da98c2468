package dev.agentharness.runtime.state;

import io.opentelemetry.api.trace.Tracer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * {@code public.eval_scores} (V11): graders' verdicts on finished runs, one row per (run, source, evaluator). Derived
 * from the run's journal — never a second record of what a run did. {@code inline} rows come from the evaluators
 * declared with the run's agent, {@code nightly} rows from the nightly job; grading again replaces a row.
 */
@ApplicationScoped
public class EvalScores extends StoreStatements {

    public static final String INLINE = "inline";
    public static final String NIGHTLY = "nightly";

    /** A verdict to store: {@code value} in [0, 1]; {@code kind} is the grader's kind ({@code reply_regex}, …). */
    public record NewScore(String evaluator, String kind, double value, String label, boolean passed,
                           String explanation) {
        public NewScore {
            Objects.requireNonNull(evaluator, "evaluator");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(label, "label");
            explanation = explanation == null ? "" : explanation;
        }
    }

    /** A stored verdict. */
    public record StoredScore(String runId, String source, String evaluator, String kind, double value, String label,
                              boolean passed, String explanation, String principal, String agent,
                              OffsetDateTime evaluatedAt) {
    }

    /** Scores of one (agent, evaluator) in a window: the score gauges. */
    public record Average(String agent, String evaluator, double average, long count, long passed) {
    }

    // principal and agent come from the run row, so a score always names the run's owner and its starting agent; a
    // run that is gone (retention) writes nothing. The run's updated_at moves with its scores: GET /runs/{id} shows
    // them, so the change feed (GET /runs?updated_since=) hands the run out again — that is how the operator sees
    // evaluations that arrive after the run finished.
    private static final String UPSERT = "WITH scored AS (INSERT INTO public.eval_scores (run_id, source, evaluator, "
            + "kind, value, label, passed, explanation, principal, agent, evaluated_at) "
            + "SELECT r.id, $2, s.evaluator, s.kind, s.value, s.label, s.passed, s.explanation, r.principal, r.agent, $3 "
            + "FROM public.runs r, unnest($4::text[], $5::text[], $6::numeric[], $7::text[], $8::bool[], $9::text[]) "
            + "AS s(evaluator, kind, value, label, passed, explanation) WHERE r.id = $1 "
            + "ON CONFLICT (run_id, source, evaluator) DO UPDATE SET kind = EXCLUDED.kind, value = EXCLUDED.value, "
            + "label = EXCLUDED.label, passed = EXCLUDED.passed, explanation = EXCLUDED.explanation, "
            + "evaluated_at = EXCLUDED.evaluated_at RETURNING run_id)"
            + ", touched AS (UPDATE public.runs SET updated_at = now() WHERE id = $1 AND EXISTS (SELECT 1 FROM scored) "
            + "RETURNING id) "
            + "SELECT (SELECT count(*) FROM scored) AS written, (SELECT count(*) FROM touched) AS touched";

    private static final String COLUMNS = "SELECT run_id, source, evaluator, kind, value, label, passed, explanation, "
            + "principal, agent, evaluated_at FROM public.eval_scores ";

    private final Tracer tracer;

    @Inject
    public EvalScores(Database database, Tracer tracer) {
        this(database::pool, database.callTimeout(), tracer);
    }

    public EvalScores(Pool pool) {
        this(() -> pool, Duration.ofSeconds(30), StatementSpans.NONE);
    }

    public EvalScores(Supplier<Pool> pool, Duration timeout, Tracer tracer) {
        super(pool, timeout);
        this.tracer = tracer;
    }

    /** For the CDI client proxy. */
    EvalScores() {
        this.tracer = StatementSpans.NONE;
    }

    /**
     * Stores {@code scores} of {@code runId} under {@code source} in one statement, replacing earlier ones of the same
     * evaluators. Returns how many rows were written (0 when the run does not exist).
     */
    public int upsert(String runId, String source, List<NewScore> scores, Instant evaluatedAt) {
        Objects.requireNonNull(runId, "runId");
        if (!INLINE.equals(source) && !NIGHTLY.equals(source)) {
            throw new IllegalArgumentException("source must be inline or nightly: " + source);
        }
        if (scores.isEmpty()) {
            return 0;
        }
        Tuple args = Tuple.tuple().addString(runId).addString(source)
                .addOffsetDateTime(OffsetDateTime.ofInstant(evaluatedAt, ZoneOffset.UTC))
                .addArrayOfString(scores.stream().map(NewScore::evaluator).toArray(String[]::new))
                .addArrayOfString(scores.stream().map(NewScore::kind).toArray(String[]::new))
                .addArrayOfBigDecimal(scores.stream().map(s -> BigDecimal.valueOf(s.value())).toArray(BigDecimal[]::new))
                .addArrayOfString(scores.stream().map(NewScore::label).toArray(String[]::new))
                .addArrayOfBoolean(scores.stream().map(NewScore::passed).toArray(Boolean[]::new))
                .addArrayOfString(scores.stream().map(NewScore::explanation).toArray(String[]::new));
        RowSet<Row> rows = StatementSpans.traced(tracer, "INSERT", "public.eval_scores",
                () -> await(pool.get().preparedQuery(UPSERT).execute(args)));
        return (int) rows.iterator().next().getLong("written").longValue();
    }

    /** The scores of one run, inline first, by evaluator. */
    public List<StoredScore> forRun(String runId) {
        RowSet<Row> rows = StatementSpans.traced(tracer, "SELECT", "public.eval_scores", () -> await(pool.get()
                .preparedQuery(COLUMNS + "WHERE run_id = $1 ORDER BY source, evaluator").execute(Tuple.of(runId))));
        List<StoredScore> scores = new ArrayList<>(rows.size());
        rows.forEach(row -> scores.add(score(row)));
        return scores;
    }

    /** The scores of several runs (a page of the feed) in one query, by run id; runs without any are absent. */
    public Map<String, List<StoredScore>> forRuns(Collection<String> runIds) {
        Map<String, List<StoredScore>> byRun = new LinkedHashMap<>();
        if (runIds.isEmpty()) {
            return byRun;
        }
        RowSet<Row> rows = StatementSpans.traced(tracer, "SELECT", "public.eval_scores", () -> await(pool.get()
                .preparedQuery(COLUMNS + "WHERE run_id = ANY($1::text[]) ORDER BY run_id, source, evaluator")
                .execute(Tuple.of(runIds.toArray(String[]::new)))));
        rows.forEach(row -> byRun.computeIfAbsent(row.getString("run_id"), id -> new ArrayList<>()).add(score(row)));
        return byRun;
    }

    /**
     * Per agent and evaluator, the average score, the number of scores and how many passed, over the scores of
     * {@code source} evaluated at or after {@code since} (a range scan of {@code eval_scores_evaluated_idx}).
     */
    public List<Average> averagesSince(String source, Instant since) {
        RowSet<Row> rows = StatementSpans.traced(tracer, "SELECT", "public.eval_scores", () -> await(pool.get()
                .preparedQuery("SELECT agent, evaluator, avg(value)::float8 AS average, count(*) AS scores, "
                        + "count(*) FILTER (WHERE passed) AS passed FROM public.eval_scores "
                        + "WHERE evaluated_at >= $1 AND source = $2 GROUP BY agent, evaluator ORDER BY agent, evaluator")
                .execute(Tuple.of(OffsetDateTime.ofInstant(since, ZoneOffset.UTC), source))));
        List<Average> averages = new ArrayList<>(rows.size());
        rows.forEach(row -> averages.add(new Average(row.getString("agent"), row.getString("evaluator"),
                row.getDouble("average"), row.getLong("scores"), row.getLong("passed"))));
        return averages;
    }

    private static StoredScore score(Row row) {
        return new StoredScore(row.getString("run_id"), row.getString("source"), row.getString("evaluator"),
                row.getString("kind"), row.getBigDecimal("value").doubleValue(), row.getString("label"),
                row.getBoolean("passed"), row.getString("explanation"), row.getString("principal"),
                row.getString("agent"), row.getOffsetDateTime("evaluated_at"));
    }
}
