package dev.agentharness.runtime.state;

import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Which alerts were raised ({@code public.alert_events}, V10): one row per (principal, kind, period). Raising is an
 * {@code INSERT … ON CONFLICT DO NOTHING}; only the replica whose insert wrote the row sends the alert, so an event seen
 * by every replica (today's spend crossing a line) is sent once.
 */
@ApplicationScoped
public class AlertEvents extends StoreStatements {

    @Inject
    public AlertEvents(Database database) {
        this(database::pool, database.callTimeout());
    }

    public AlertEvents(Pool pool) {
        this(() -> pool, Duration.ofSeconds(30));
    }

    public AlertEvents(Supplier<Pool> pool, Duration timeout) {
        super(pool, timeout);
    }

    /** For the CDI client proxy. */
    AlertEvents() {
    }

    /** True when this call raised the event (the caller sends it); false when some replica already had. */
    public boolean raise(String principal, String kind, String period, String detailJson) {
        return await(pool.get().preparedQuery("INSERT INTO public.alert_events (principal, kind, period, detail) "
                        + "VALUES ($1, $2, $3, $4::text::jsonb) ON CONFLICT (principal, kind, period) DO NOTHING")
                .execute(Tuple.of(principal, kind, period, detailJson))).rowCount() == 1;
    }
}
