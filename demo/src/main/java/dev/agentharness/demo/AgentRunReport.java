package dev.agentharness.demo;

import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunStatus;
import dev.agentharness.crds.v1alpha1.ArtifactReference;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * AgentRuns as a person reads them after {@code make demo}: the table {@code kubectl get ar} prints on a cluster — the
 * CRD's default printer columns in their order, times as kubectl shows them (how long ago) — since the embedded API
 * server does not print it itself; then per run its phase, reply, artifacts, usage and ids, straight from
 * {@code .status}.
 */
public final class AgentRunReport {

    private AgentRunReport() {
    }

    public static Optional<Condition> succeeded(AgentRun run) {
        return run.getStatus() == null ? Optional.empty() : run.getStatus().condition("Succeeded");
    }

    /** True once the Succeeded condition is True or False. */
    public static boolean finished(AgentRun run) {
        return succeeded(run).map(c -> "True".equals(c.getStatus()) || "False".equals(c.getStatus())).orElse(false);
    }

    /** The header kubectl prints: the CRD's printer columns of priority 0 (AgentRunReportTest holds them equal). */
    static final String[] HEADER = {"NAME", "SUCCEEDED", "REASON", "AGENT", "STARTTIME", "COMPLETIONTIME", "DURATION",
            "AGE"};

    public static String render(List<AgentRun> runs) {
        return render(runs, Instant.now());
    }

    static String render(List<AgentRun> runs, Instant now) {
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        for (AgentRun run : runs) {
            Optional<Condition> condition = succeeded(run);
            AgentRunStatus status = run.getStatus();
            rows.add(new String[] {run.getMetadata().getName(), condition.map(Condition::getStatus).orElse("Unknown"),
                    condition.map(Condition::getReason).orElse("-"), run.getSpec().getAgent(),
                    ago(status == null ? null : status.getStartTime(), now),
                    ago(status == null ? null : status.getCompletionTime(), now),
                    status == null || status.getDuration() == null ? "-" : status.getDuration(),
                    ago(run.getMetadata().getCreationTimestamp(), now)});
        }
        int[] widths = new int[rows.getFirst().length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i] == null ? 1 : row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(String.format(Locale.ROOT, "%-" + (widths[i] + 3) + "s", row[i] == null ? "-" : row[i]));
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        for (AgentRun run : runs) {
            out.append('\n').append(details(run));
        }
        return out.toString();
    }

    static String details(AgentRun run) {
        AgentRunStatus status = run.getStatus();
        StringBuilder out = new StringBuilder("agentrun/").append(run.getMetadata().getName()).append('\n');
        if (status == null) {
            return out.append("  (no status yet: the operator has not seen it)\n").toString();
        }
        out.append("  phase:     ").append(status.getPhase()).append('\n');
        succeeded(run).ifPresent(c -> out.append("  condition: Succeeded=").append(c.getStatus()).append(" (")
                .append(c.getReason()).append(")").append(c.getMessage() == null ? "" : ": " + c.getMessage()).append('\n'));
        if (status.getRunId() != null) {
            out.append("  run:       ").append(status.getRunId()).append(" (session ").append(status.getSessionId()).append(")\n");
        }
        if (status.getReply() != null) {
            out.append("  reply:     ").append(indent(status.getReply().strip()))
                    .append(Boolean.TRUE.equals(status.getReplyTruncated()) ? "\n             [cut at 4 KiB; the full reply is in the harness]" : "")
                    .append('\n');
        }
        if (status.getArtifacts() != null) {
            for (ArtifactReference artifact : status.getArtifacts()) {
                out.append("  artifact:  ").append(artifact.getName()).append(" → ").append(artifact.getKey())
                        .append(" (").append(artifact.getSize()).append(" bytes; link: GET /runs/")
                        .append(status.getRunId()).append("/artifacts/").append(artifact.getName()).append(")\n");
            }
        }
        if (status.getUsage() != null) {
            out.append("  usage:     ").append(status.getUsage().getInputTokens()).append(" input + ")
                    .append(status.getUsage().getOutputTokens()).append(" output tokens");
            if (status.getUsage().getCostUsd() != null && Double.parseDouble(status.getUsage().getCostUsd()) > 0) {
                out.append(", $").append(status.getUsage().getCostUsd());
            }
            out.append('\n');
        }
        if (Boolean.TRUE.equals(status.getUsedSandbox())) {
            out.append("  sandbox:   used\n");
        }
        if (status.getTraceId() != null) {
            out.append("  trace:     ").append(status.getTraceId()).append('\n');
        }
        return out.toString();
    }

    private static String indent(String text) {
        return text.replace("\n", "\n             ");
    }

    /** A date column as kubectl prints it: how long ago, in its short form ("<unknown>" without a value). */
    static String ago(String timestamp, Instant now) {
        if (timestamp == null || timestamp.isBlank()) {
            return "<unknown>";
        }
        return humanDuration(Duration.between(Instant.parse(timestamp), now));
    }

    /** Kubernetes' {@code duration.HumanDuration}: two units while they are few, one after. */
    static String humanDuration(Duration duration) {
        long seconds = Math.max(0, duration.toSeconds());
        if (seconds < 120) {
            return seconds + "s";
        }
        long minutes = seconds / 60;
        if (minutes < 10) {
            return seconds % 60 == 0 ? minutes + "m" : minutes + "m" + seconds % 60 + "s";
        }
        if (minutes < 180) {
            return minutes + "m";
        }
        long hours = minutes / 60;
        if (hours < 8) {
            return minutes % 60 == 0 ? hours + "h" : hours + "h" + minutes % 60 + "m";
        }
        if (hours < 48) {
            return hours + "h";
        }
        long days = hours / 24;
        if (hours < 24 * 8) {
            return hours % 24 == 0 ? days + "d" : days + "d" + hours % 24 + "h";
        }
        if (days < 365 * 2) {
            return days + "d";
        }
        long years = days / 365;
        return days < 365 * 8 && days % 365 != 0 ? years + "y" + days % 365 + "d" : years + "y";
    }
}
