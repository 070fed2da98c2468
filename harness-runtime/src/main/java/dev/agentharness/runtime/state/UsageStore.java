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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Reads of {@code public.usage}, the ledger of model calls (V8): one row per {@code model_response} step, written by
 * {@link RunJournal#append} with the step. Amounts are summed in SQL ({@code numeric}, exact) and read as
 * {@link BigDecimal}.
 */
@ApplicationScoped
public class UsageStore extends StoreStatements {

    /** What a report groups by; each maps to a fixed SQL expression (never text from a request). */
    public enum GroupBy {
        PRINCIPAL("principal"),
        AGENT("agent"),
        /**
         * The run's agent and its version, {@code <agent>@<version>} (two agents with the same spec share a version
         * id, so the version alone would merge them); a call recorded before versions existed (V12) is just
         * {@code <agent>}.
         */
        AGENT_VERSION("CASE WHEN agent_version IS NULL THEN agent ELSE agent || '@' || agent_version END"),
        MODEL("model"),
        /** The UTC calendar day of {@code recorded_at}, as {@code YYYY-MM-DD}. */
        DAY("to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')");

        private final String expression;

        GroupBy(String expression) {
            this.expression = expression;
        }
    }

    /** One group of a report: its key, how many runs and what their calls used and cost. */
    public record UsageTotals(String key, long runs, long inputTokens, long cachedInputTokens, long outputTokens,
                              BigDecimal costUsd) {
    }

    private static final String SPENT_SINCE = "SELECT COALESCE(sum(cost_usd), 0) AS spent FROM public.usage "
            + "WHERE principal = $1 AND recorded_at >= $2";

    private final Tracer tracer;

    @Inject
    public UsageStore(Database database, Tracer tracer) {
        this(database::pool, database.callTimeout(), tracer);
    }

    public UsageStore(Pool pool) {
        this(() -> pool, Duration.ofSeconds(30), StatementSpans.NONE);
    }

    public UsageStore(Supplier<Pool> pool, Duration timeout, Tracer tracer) {
        super(pool, timeout);
        this.tracer = tracer;
    }

    /** For the CDI client proxy. */
    UsageStore() {
        this.tracer = StatementSpans.NONE;
    }

    /**
     * What {@code principal}'s model calls recorded at or after {@code since} cost, in US dollars (0 when none): the
     * spend a budget is checked against before every model call. One index range scan
     * ({@code usage_principal_recorded_idx}, which covers {@code cost_usd}).
     */
    public BigDecimal spentSince(String principal, Instant since) {
        Objects.requireNonNull(principal, "principal");
        RowSet<Row> rows = StatementSpans.traced(tracer, "SELECT", "public.usage", () -> await(pool.get()
                .preparedQuery(SPENT_SINCE).execute(Tuple.of(principal, OffsetDateTime.ofInstant(since, ZoneOffset.UTC)))));
        return rows.iterator().next().getBigDecimal("spent");
    }

    /**
     * The model calls recorded in {@code [from, to)}, grouped by {@code groupBy}, ordered by key; only
     * {@code principal}'s when it is present, every principal's when it is empty (an admin's report).
     */
    public List<UsageTotals> totals(Instant from, Instant to, GroupBy groupBy, Optional<String> principal) {
        String sql = "SELECT " + groupBy.expression + " AS key, count(DISTINCT run_id) AS runs, "
                + "COALESCE(sum(input_tokens), 0)::bigint AS input_tokens, "
                + "COALESCE(sum(cached_input_tokens), 0)::bigint AS cached_input_tokens, "
                + "COALESCE(sum(output_tokens), 0)::bigint AS output_tokens, COALESCE(sum(cost_usd), 0) AS cost_usd "
                + "FROM public.usage WHERE recorded_at >= $1 AND recorded_at < $2"
                + (principal.isPresent() ? " AND principal = $3" : "") + " GROUP BY 1 ORDER BY 1";
        Tuple args = Tuple.of(OffsetDateTime.ofInstant(from, ZoneOffset.UTC), OffsetDateTime.ofInstant(to, ZoneOffset.UTC));
        principal.ifPresent(args::addString);
        RowSet<Row> rows = StatementSpans.traced(tracer, "SELECT", "public.usage",
                () -> await(pool.get().preparedQuery(sql).execute(args)));
        List<UsageTotals> totals = new ArrayList<>(rows.size());
        rows.forEach(row -> totals.add(new UsageTotals(row.getString("key"), row.getLong("runs"),
                row.getLong("input_tokens"), row.getLong("cached_input_tokens"), row.getLong("output_tokens"),
                row.getBigDecimal("cost_usd"))));
        return totals;
    }

    /**
     * What each principal's model calls recorded in {@code [from, to)} cost (principals without any are absent): the
     * cost-spike signal's today and trailing week. One grouped range scan of {@code usage_recorded_idx}.
     */
    public Map<String, BigDecimal> spentByPrincipal(Instant from, Instant to) {
        RowSet<Row> rows = StatementSpans.traced(tracer, "SELECT", "public.usage", () -> await(pool.get()
                .preparedQuery("SELECT principal, COALESCE(sum(cost_usd), 0) AS spent FROM public.usage "
                        + "WHERE recorded_at >= $1 AND recorded_at < $2 GROUP BY principal")
                .execute(Tuple.of(OffsetDateTime.ofInstant(from, ZoneOffset.UTC),
                        OffsetDateTime.ofInstant(to, ZoneOffset.UTC)))));
        Map<String, BigDecimal> spent = new HashMap<>();
        rows.forEach(row -> spent.put(row.getString("principal"), row.getBigDecimal("spent")));
        return spent;
    }
}
