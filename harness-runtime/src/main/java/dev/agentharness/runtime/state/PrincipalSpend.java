package dev.agentharness.runtime.state;

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
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Spend per principal over a window of {@code public.usage} (V8), for the cost-spike signal: today's spend and the
 * 7 days before. One grouped range scan of {@code usage_recorded_idx} per call.
 */
@ApplicationScoped
public class PrincipalSpend extends StoreStatements {

    @Inject
    public PrincipalSpend(Database database) {
        this(database::pool, database.callTimeout());
    }

    public PrincipalSpend(Pool pool) {
        this(() -> pool, Duration.ofSeconds(30));
    }

    public PrincipalSpend(Supplier<Pool> pool, Duration timeout) {
        super(pool, timeout);
    }

    /** For the CDI client proxy. */
    PrincipalSpend() {
    }

    /** What each principal's model calls recorded in {@code [from, to)} cost (principals without any are absent). */
    public Map<String, BigDecimal> between(Instant from, Instant to) {
        RowSet<Row> rows = await(pool.get().preparedQuery("SELECT principal, COALESCE(sum(cost_usd), 0) AS spent "
                        + "FROM public.usage WHERE recorded_at >= $1 AND recorded_at < $2 GROUP BY principal")
                .execute(Tuple.of(OffsetDateTime.ofInstant(from, ZoneOffset.UTC),
                        OffsetDateTime.ofInstant(to, ZoneOffset.UTC))));
        Map<String, BigDecimal> spent = new HashMap<>();
        rows.forEach(row -> spent.put(row.getString("principal"), row.getBigDecimal("spent")));
        return spent;
    }
}
