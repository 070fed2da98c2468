package dev.agentharness.runtime.state;

import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Sessions and their history, always of one principal: a session is (principal, id), so another principal's
 * session of the same id is simply another session.
 */
@ApplicationScoped
public class SessionStore {

    private Supplier<Pool> pool;
    private Duration timeout;

    @Inject
    public SessionStore(Database database) {
        this(database::pool, database.callTimeout());
    }

    public SessionStore(Pool pool) {
        this(() -> pool, Duration.ofSeconds(30));
    }

    public SessionStore(Supplier<Pool> pool, Duration timeout) {
        this.pool = pool;
        this.timeout = timeout;
    }

    public Optional<SessionRecord> find(String sessionId, String principal) {
        RowSet<Row> rows = Blocking.await(pool.get().preparedQuery("SELECT id, principal, created_at, updated_at "
                + "FROM public.sessions WHERE id = $1 AND principal = $2").execute(Tuple.of(sessionId, principal)), timeout);
        if (rows.size() == 0) {
            return Optional.empty();
        }
        Row row = rows.iterator().next();
        return Optional.of(new SessionRecord(row.getString("id"), row.getString("principal"),
                row.getOffsetDateTime("created_at"), row.getOffsetDateTime("updated_at")));
    }

    /** The session's runs in creation order. */
    public List<RunRecord> runs(String sessionId, String principal) {
        RowSet<Row> rows = Blocking.await(pool.get().preparedQuery("SELECT " + RunRows.COLUMNS + " FROM public.runs "
                + "WHERE session_id = $1 AND principal = $2 ORDER BY created_at, id").execute(Tuple.of(sessionId, principal)),
                timeout);
        List<RunRecord> runs = new ArrayList<>(rows.size());
        rows.forEach(row -> runs.add(RunRows.map(row)));
        return runs;
    }
}
