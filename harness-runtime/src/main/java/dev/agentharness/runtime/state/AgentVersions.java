package dev.agentharness.runtime.state;

import io.opentelemetry.api.trace.Tracer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code public.agent_versions} and {@code public.agents} (V12): a tenant's agents as immutable versions, and which
 * version is active. A version's spec is stored as registered (normalised JSON text); its id is the sha256 of that
 * text's canonical form, computed by the caller ({@code harness-api agents/AgentSpecValidation.version()}).
 */
@ApplicationScoped
public class AgentVersions extends StoreStatements {

    /** One stored version. */
    public record StoredVersion(String principal, String name, String version, String specJson,
                                OffsetDateTime createdAt) {
    }

    /** A tenant's agent: its active version (null while none is) and when that last changed. */
    public record AgentPointer(String principal, String name, String activeVersion, OffsetDateTime updatedAt) {
    }

    // One statement: the version row (kept if it exists) and the agent row (created without an active version).
    private static final String REGISTER = "WITH version AS (INSERT INTO public.agent_versions (principal, name, "
            + "version, spec) VALUES ($1, $2, $3, $4::text::jsonb) ON CONFLICT (principal, name, version) DO NOTHING "
            + "RETURNING version), agent AS (INSERT INTO public.agents (principal, name) VALUES ($1, $2) "
            + "ON CONFLICT (principal, name) DO NOTHING RETURNING name) "
            + "SELECT (SELECT count(*) FROM version) AS created";

    private static final String VERSION_COLUMNS = "SELECT principal, name, version, spec::text AS spec, created_at "
            + "FROM public.agent_versions ";

    private final Tracer tracer;

    @Inject
    public AgentVersions(Database database, Tracer tracer) {
        this(database::pool, database.callTimeout(), tracer);
    }

    public AgentVersions(Pool pool) {
        this(() -> pool, Duration.ofSeconds(30), StatementSpans.NONE);
    }

    public AgentVersions(Supplier<Pool> pool, Duration timeout, Tracer tracer) {
        super(pool, timeout);
        this.tracer = tracer;
    }

    /** For the CDI client proxy. */
    AgentVersions() {
        this.tracer = StatementSpans.NONE;
    }

    /**
     * Stores a version (and the agent, without an active version, the first time). Idempotent: the same version again
     * changes nothing.
     *
     * @return true when this call stored the version, false when it existed
     */
    public boolean register(String principal, String name, String version, String specJson) {
        RowSet<Row> rows = StatementSpans.traced(tracer, "INSERT", "public.agent_versions", () -> await(pool.get()
                .preparedQuery(REGISTER).execute(Tuple.of(principal, name, version, specJson))));
        return rows.iterator().next().getLong("created") > 0;
    }

    public Optional<StoredVersion> find(String principal, String name, String version) {
        RowSet<Row> rows = StatementSpans.traced(tracer, "SELECT", "public.agent_versions", () -> await(pool.get()
                .preparedQuery(VERSION_COLUMNS + "WHERE principal = $1 AND name = $2 AND version = $3")
                .execute(Tuple.of(principal, name, version))));
        return rows.size() == 0 ? Optional.empty() : Optional.of(version(rows.iterator().next()));
    }

    /** The agent's versions, newest first (ties by version), at most {@code limit}. */
    public List<StoredVersion> versions(String principal, String name, int limit) {
        RowSet<Row> rows = StatementSpans.traced(tracer, "SELECT", "public.agent_versions", () -> await(pool.get()
                .preparedQuery(VERSION_COLUMNS + "WHERE principal = $1 AND name = $2 ORDER BY created_at DESC, version "
                        + "LIMIT $3").execute(Tuple.of(principal, name, limit))));
        List<StoredVersion> versions = new ArrayList<>(rows.size());
        rows.forEach(row -> versions.add(version(row)));
        return versions;
    }

    /** The tenant's agent, if it ever registered a version. */
    public Optional<AgentPointer> agent(String principal, String name) {
        RowSet<Row> rows = StatementSpans.traced(tracer, "SELECT", "public.agents", () -> await(pool.get()
                .preparedQuery("SELECT principal, name, active_version, updated_at FROM public.agents "
                        + "WHERE principal = $1 AND name = $2").execute(Tuple.of(principal, name))));
        return rows.size() == 0 ? Optional.empty() : Optional.of(pointer(rows.iterator().next()));
    }

    /**
     * Makes a stored version the active one.
     *
     * @return false when no such version is stored (nothing changed)
     */
    public boolean activate(String principal, String name, String version) {
        RowSet<Row> rows = StatementSpans.traced(tracer, "UPDATE", "public.agents", () -> await(pool.get()
                .preparedQuery("UPDATE public.agents a SET active_version = $3, updated_at = now() WHERE a.principal = $1 "
                        + "AND a.name = $2 AND EXISTS (SELECT 1 FROM public.agent_versions v WHERE v.principal = $1 "
                        + "AND v.name = $2 AND v.version = $3) RETURNING a.name")
                .execute(Tuple.of(principal, name, version))));
        return rows.size() > 0;
    }

    /**
     * The active versions (with their specs) of every agent of the tenant that has one, by name: what its runs may
     * start with or hand off to, and what a new version's handoffs are checked against (cycles). One query.
     */
    public Map<String, StoredVersion> activeVersions(String principal) {
        RowSet<Row> rows = StatementSpans.traced(tracer, "SELECT", "public.agents", () -> await(pool.get()
                .preparedQuery("SELECT v.principal, v.name, v.version, v.spec::text AS spec, v.created_at "
                        + "FROM public.agents a JOIN public.agent_versions v ON v.principal = a.principal "
                        + "AND v.name = a.name AND v.version = a.active_version WHERE a.principal = $1 ORDER BY v.name")
                .execute(Tuple.of(principal))));
        Map<String, StoredVersion> active = new LinkedHashMap<>();
        rows.forEach(row -> active.put(row.getString("name"), version(row)));
        return active;
    }

    /** Several stored versions at once ({name → version} of one run), by name; unknown ones are absent. */
    public Map<String, StoredVersion> findAll(String principal, Map<String, String> versionsByName) {
        Map<String, StoredVersion> found = new LinkedHashMap<>();
        if (versionsByName.isEmpty()) {
            return found;
        }
        Collection<String> names = versionsByName.keySet();
        RowSet<Row> rows = StatementSpans.traced(tracer, "SELECT", "public.agent_versions", () -> await(pool.get()
                .preparedQuery(VERSION_COLUMNS + "WHERE principal = $1 AND (name, version) IN (SELECT * FROM "
                        + "unnest($2::text[], $3::text[]))")
                .execute(Tuple.of(principal, names.toArray(String[]::new),
                        names.stream().map(versionsByName::get).toArray(String[]::new)))));
        rows.forEach(row -> found.put(row.getString("name"), version(row)));
        return found;
    }

    private static StoredVersion version(Row row) {
        return new StoredVersion(row.getString("principal"), row.getString("name"), row.getString("version"),
                row.getString("spec"), row.getOffsetDateTime("created_at"));
    }

    private static AgentPointer pointer(Row row) {
        return new AgentPointer(row.getString("principal"), row.getString("name"), row.getString("active_version"),
                row.getOffsetDateTime("updated_at"));
    }

    /** The spec JSON as a Vert.x object (for callers that want a tree). */
    public static JsonObject spec(StoredVersion version) {
        return new JsonObject(version.specJson());
    }
}
