package dev.agentharness.runtime.state;

import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Reads of the artifact rows a run recorded (written by {@link RunCompletions#complete}), and the session
 * claim for input uploads. Ownership is always part of the query: another principal's run reads as
 * absent, and a session id names the caller's own session.
 */
@ApplicationScoped
public class ArtifactIndex {

    /** A run's artifact rows and, when saving failed, why. */
    public record RunArtifacts(List<ArtifactRow> rows, String error) {
        public static final RunArtifacts NONE = new RunArtifacts(List.of(), null);
    }

    private final Supplier<Pool> pool;
    private final Duration timeout;

    @Inject
    public ArtifactIndex(Database database) {
        this(database::pool, database.callTimeout());
    }

    public ArtifactIndex(Supplier<Pool> pool, Duration timeout) {
        this.pool = pool;
        this.timeout = timeout;
    }

    /** One query for the view of a run: its artifacts in recording order and its artifact error. */
    public RunArtifacts of(String runId) {
        RowSet<Row> rows = Blocking.await(pool.get().preparedQuery("SELECT r.artifact_error, a.name, a.key, a.size, "
                + "a.sha256, a.content_type FROM public.runs r LEFT JOIN public.artifacts a ON a.run_id = r.id "
                + "WHERE r.id = $1 ORDER BY a.id").execute(Tuple.of(runId)), timeout);
        List<ArtifactRow> artifacts = new ArrayList<>();
        String error = null;
        for (Row row : rows) {
            error = row.getString("artifact_error");
            if (row.getString("name") != null) {
                artifacts.add(new ArtifactRow(row.getString("name"), row.getString("key"), row.getLong("size"),
                        row.getString("sha256"), row.getString("content_type")));
            }
        }
        return new RunArtifacts(artifacts, error);
    }

    /**
     * The artifacts of many runs in one query (the bulk run feed: one round trip per page, not one per
     * run); every requested run id is in the result, {@link RunArtifacts#NONE}-like when it has none.
     */
    public Map<String, RunArtifacts> ofRuns(List<String> runIds) {
        if (runIds.isEmpty()) {
            return Map.of();
        }
        RowSet<Row> rows = Blocking.await(pool.get().preparedQuery("SELECT r.id, r.artifact_error, a.name, a.key, a.size, "
                + "a.sha256, a.content_type FROM public.runs r LEFT JOIN public.artifacts a ON a.run_id = r.id "
                + "WHERE r.id = ANY($1) ORDER BY r.id, a.id").execute(Tuple.of(runIds.toArray(new String[0]))), timeout);
        Map<String, List<ArtifactRow>> artifacts = new LinkedHashMap<>();
        Map<String, String> errors = new HashMap<>();
        for (Row row : rows) {
            String runId = row.getString("id");
            List<ArtifactRow> of = artifacts.computeIfAbsent(runId, id -> new ArrayList<>());
            errors.put(runId, row.getString("artifact_error"));
            if (row.getString("name") != null) {
                of.add(new ArtifactRow(row.getString("name"), row.getString("key"), row.getLong("size"),
                        row.getString("sha256"), row.getString("content_type")));
            }
        }
        Map<String, RunArtifacts> result = new HashMap<>();
        for (String runId : runIds) {
            result.put(runId, new RunArtifacts(artifacts.getOrDefault(runId, List.of()), errors.get(runId)));
        }
        return result;
    }

    public Optional<ArtifactRow> find(String runId, String principal, String name) {
        RowSet<Row> rows = Blocking.await(pool.get().preparedQuery("SELECT a.name, a.key, a.size, a.sha256, "
                + "a.content_type FROM public.artifacts a JOIN public.runs r ON r.id = a.run_id "
                + "WHERE a.run_id = $1 AND r.principal = $2 AND a.name = $3")
                .execute(Tuple.of(runId, principal, name)), timeout);
        if (rows.size() == 0) {
            return Optional.empty();
        }
        Row row = rows.iterator().next();
        return Optional.of(new ArtifactRow(row.getString("name"), row.getString("key"), row.getLong("size"),
                row.getString("sha256"), row.getString("content_type")));
    }

    /** Whether asking for the session created it (an upload that fails then takes it back). */
    public enum SessionClaim { CREATED, EXISTING }

    /**
     * The principal's session, created unless it exists. Sessions are per principal, so this never depends on
     * whether another principal uses the same id.
     */
    public SessionClaim claimSession(String sessionId, String principal) {
        RowSet<Row> inserted = Blocking.await(pool.get().preparedQuery("INSERT INTO public.sessions (principal, id) "
                + "VALUES ($1, $2) ON CONFLICT (principal, id) DO NOTHING RETURNING id")
                .execute(Tuple.of(principal, sessionId)), timeout);
        return inserted.size() == 1 ? SessionClaim.CREATED : SessionClaim.EXISTING;
    }

    /** Undoes a {@link SessionClaim#CREATED} whose upload failed, unless a run has started using the session since. */
    public void releaseCreatedSession(String sessionId, String principal) {
        Blocking.await(pool.get().preparedQuery("DELETE FROM public.sessions s WHERE s.principal = $1 AND s.id = $2 "
                + "AND NOT EXISTS (SELECT 1 FROM public.runs r WHERE r.principal = s.principal AND r.session_id = s.id)")
                .execute(Tuple.of(principal, sessionId)), timeout);
    }
}
