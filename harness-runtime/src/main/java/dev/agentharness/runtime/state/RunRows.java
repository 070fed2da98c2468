package dev.agentharness.runtime.state;

import dev.agentharness.api.RunStatus;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** The column list and row mapping shared by every query that returns {@link RunRecord}s. */
final class RunRows {

    /** JSON columns are read as text: callers get the document exactly as stored. */
    static final String COLUMNS = "id, session_id, principal, agent, model, status, reason, message, "
            + "request_json::text AS request_json, request_hash, idempotency_key, reply, input_tokens, output_tokens, "
            + "cost_usd, trace_id, used_sandbox, save_artifact, max_turns, timeout_seconds, cancel_requested, attempts, "
            + "lease_owner, lease_expires_at, created_at, started_at, completed_at, updated_at, lease_epoch, recoveries, "
            + "turns, step_count, last_step, sampled_to_phoenix, cached_input_tokens, max_cost_usd, max_tokens, "
            + "agent_version, agent_versions::text AS agent_versions";

    private RunRows() {
    }

    static RunRecord map(Row row) {
        return new RunRecord(
                row.getString("id"),
                row.getString("session_id"),
                row.getString("principal"),
                row.getString("agent"),
                row.getString("model"),
                RunStatus.fromWire(row.getString("status")),
                row.getString("reason"),
                row.getString("message"),
                row.getString("request_json"),
                row.getString("request_hash"),
                row.getString("idempotency_key"),
                row.getString("reply"),
                row.getLong("input_tokens"),
                row.getLong("output_tokens"),
                row.getDouble("cost_usd"),
                row.getString("trace_id"),
                row.getBoolean("used_sandbox"),
                row.getBoolean("save_artifact"),
                row.getInteger("max_turns"),
                row.getInteger("timeout_seconds"),
                row.getBoolean("cancel_requested"),
                row.getInteger("attempts"),
                row.getString("lease_owner"),
                row.getOffsetDateTime("lease_expires_at"),
                row.getOffsetDateTime("created_at"),
                row.getOffsetDateTime("started_at"),
                row.getOffsetDateTime("completed_at"),
                row.getOffsetDateTime("updated_at"),
                row.getLong("lease_epoch"),
                row.getInteger("recoveries"),
                row.getInteger("turns"),
                row.getInteger("step_count"),
                row.getString("last_step"),
                row.getBoolean("sampled_to_phoenix"),
                row.getLong("cached_input_tokens"),
                row.getDouble("max_cost_usd"),
                row.getLong("max_tokens"),
                row.getString("agent_version"),
                versions(row.getString("agent_versions")));
    }

    /** {@code {name: version}} as stored (V12), empty when the run has none. */
    static Map<String, String> versions(String json) {
        if (json == null) {
            return Map.of();
        }
        Map<String, String> versions = new LinkedHashMap<>();
        new JsonObject(json).forEach(entry -> versions.put(entry.getKey(), String.valueOf(entry.getValue())));
        return versions;
    }

    /** The JSON stored for {@code versions}: null for none, so most runs store nothing. */
    static String versionsJson(Map<String, String> versions) {
        if (versions == null || versions.isEmpty()) {
            return null;
        }
        JsonObject json = new JsonObject();
        new TreeMap<>(versions).forEach(json::put);
        return json.encode();
    }
}
