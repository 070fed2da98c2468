package dev.agentharness.runtime.testing;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The tool executions a harness process logged: every call is announced at INFO as
 * {@code run_id=<run> trace_id=<trace> span_id=<span> Agent <agent> calls tool <tool> (call <id>)} before it runs, so counting those lines across the
 * processes that worked on a run counts how often each call was executed.
 */
public final class ToolCallLog {

    /** One tool call of one run. */
    public record Call(String runId, String tool, String callId) {
    }

    private static final Pattern CALL = Pattern.compile("run_id=(\\S+) trace_id=\\S* span_id=\\S* Agent \\S+ calls tool (\\S+) \\(call ([^)]+)\\)");

    private ToolCallLog() {
    }

    /** How many times each call was started in {@code log} (a process's console output). */
    public static Map<Call, Integer> executions(String log) {
        Map<Call, Integer> counts = new HashMap<>();
        Matcher matcher = CALL.matcher(log);
        while (matcher.find()) {
            counts.merge(new Call(matcher.group(1), matcher.group(2), matcher.group(3)), 1, Integer::sum);
        }
        return counts;
    }
}
