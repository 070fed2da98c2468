package dev.agentharness.demo;

import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunStatus;
import dev.agentharness.crds.v1alpha1.ArtifactReference;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * AgentRuns as a person reads them after {@code make demo}: the columns of {@code kubectl get ar}
 * (Succeeded, Reason, Agent, Duration — the embedded API server does not print them itself), then
 * per run its phase, reply, artifacts, usage and ids, straight from {@code .status}.
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

    public static String render(List<AgentRun> runs) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "SUCCEEDED", "REASON", "AGENT", "DURATION"});
        for (AgentRun run : runs) {
            Optional<Condition> condition = succeeded(run);
            AgentRunStatus status = run.getStatus();
            rows.add(new String[] {run.getMetadata().getName(), condition.map(Condition::getStatus).orElse("Unknown"),
                    condition.map(Condition::getReason).orElse("-"), run.getSpec().getAgent(),
                    status == null || status.getDuration() == null ? "-" : status.getDuration()});
        }
        int[] widths = new int[rows.getFirst().length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i] == null ? 1 : row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                out.append(String.format(Locale.ROOT, "%-" + (widths[i] + 3) + "s", row[i] == null ? "-" : row[i]));
            }
            out.setLength(out.length() - 3);
            out.append('\n');
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
}
