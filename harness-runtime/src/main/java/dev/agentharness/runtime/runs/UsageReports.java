package dev.agentharness.runtime.runs;

import dev.agentharness.api.UsageReport;
import dev.agentharness.runtime.state.UsageStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code GET /usage}, chargeback from {@code public.usage}: the window and grouping checked (400 naming the
 * parameter), then one grouped read. Which principals a caller may see is decided by the API ({@code scope}).
 */
@ApplicationScoped
public class UsageReports {

    /** The longest window one report may cover. */
    static final Duration MAX_WINDOW = Duration.ofDays(400);

    private final UsageStore store;
    private final Clock clock;

    @Inject
    public UsageReports(UsageStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * @param from    ISO-8601 instant ({@code 2026-12-01T00:00:00Z}) or UTC date ({@code 2026-12-01}); null = today
     * @param to      the same, exclusive; null = the start of tomorrow (UTC); a date means the start of that day
     * @param groupBy {@code principal}, {@code agent}, {@code agent_version} ({@code <agent>@<version>}), {@code model}
     *                or {@code day}; null = {@code day}
     * @param scope   the one principal to report on; empty = every principal (an admin's report)
     */
    public UsageReport report(String from, String to, String groupBy, Optional<String> scope) {
        LocalDate today = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        Instant start = from == null ? today.atStartOfDay(ZoneOffset.UTC).toInstant() : instant("from", from);
        Instant end = to == null ? today.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant() : instant("to", to);
        if (!end.isAfter(start)) {
            throw RunRejectedException.invalid("parameter 'to' must be after 'from' (" + start + "), got " + end);
        }
        if (Duration.between(start, end).compareTo(MAX_WINDOW) > 0) {
            throw RunRejectedException.invalid("parameter 'to': the window from 'from' to 'to' is longer than "
                    + MAX_WINDOW.toDays() + " days; ask for a shorter one");
        }
        UsageStore.GroupBy grouping = groupBy(groupBy);
        var rows = store.totals(start, end, grouping, scope).stream()
                .map(t -> new UsageReport.UsageRow(t.key(), t.runs(), t.inputTokens(), t.cachedInputTokens(),
                        t.outputTokens(), t.costUsd().doubleValue()))
                .toList();
        return new UsageReport(OffsetDateTime.ofInstant(start, ZoneOffset.UTC), OffsetDateTime.ofInstant(end, ZoneOffset.UTC),
                grouping.name().toLowerCase(Locale.ROOT), scope.orElse(null), rows);
    }

    private static UsageStore.GroupBy groupBy(String value) {
        if (value == null) {
            return UsageStore.GroupBy.DAY;
        }
        return switch (value) {
            case "principal" -> UsageStore.GroupBy.PRINCIPAL;
            case "agent" -> UsageStore.GroupBy.AGENT;
            case "agent_version" -> UsageStore.GroupBy.AGENT_VERSION;
            case "model" -> UsageStore.GroupBy.MODEL;
            case "day" -> UsageStore.GroupBy.DAY;
            default -> throw RunRejectedException.invalid("parameter 'group_by' must be one of principal, agent, "
                    + "agent_version, model, day; got '" + printable(value) + "'");
        };
    }

    private static Instant instant(String parameter, String value) {
        try {
            if (value.length() == 10) {
                return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw RunRejectedException.invalid("parameter '" + parameter + "' must be an ISO-8601 instant "
                    + "(2026-12-01T00:00:00Z) or a UTC date (2026-12-01), got '" + printable(value) + "'");
        }
    }

    private static String printable(String value) {
        String cleaned = value.replaceAll("\\p{Cntrl}", "?");
        return cleaned.length() > 64 ? cleaned.substring(0, 64) + "…" : cleaned;
    }
}
