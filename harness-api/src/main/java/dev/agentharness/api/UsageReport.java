package dev.agentharness.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * {@code GET /usage}: what the model calls recorded in {@code [from, to)} used and cost, grouped by {@code group_by}
 * ({@code principal}, {@code agent}, {@code model} or {@code day}), one row per group ordered by key. Scoped to the
 * caller's principal unless an admin asked for another ({@code principal}) or every one ({@code principal=*}, then
 * {@code principal} here is null).
 */
public record UsageReport(
        @JsonProperty("from") OffsetDateTime from,
        @JsonProperty("to") OffsetDateTime to,
        @JsonProperty("group_by") String groupBy,
        @JsonProperty("principal") String principal,
        @JsonProperty("rows") List<UsageRow> rows) {

    public UsageReport {
        rows = rows == null ? List.of() : List.copyOf(rows);
    }

    /**
     * One group: its key (a principal, agent or model name, or a UTC day {@code YYYY-MM-DD}), the runs that made calls
     * in it, and the sums of those calls' tokens and recorded costs (priced when each call was made).
     */
    public record UsageRow(
            @JsonProperty("key") String key,
            @JsonProperty("runs") long runs,
            @JsonProperty("input_tokens") long inputTokens,
            @JsonProperty("cached_input_tokens") long cachedInputTokens,
            @JsonProperty("output_tokens") long outputTokens,
            @JsonProperty("cost_usd") double costUsd) {
    }
}
