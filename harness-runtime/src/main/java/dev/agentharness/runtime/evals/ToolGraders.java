package dev.agentharness.runtime.evals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.api.RunTranscript;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code tools_called} (each pattern matches at least one call) and {@code tools_not_called} (no pattern matches any
 * call). Every call the model made counts, including one whose arguments the harness refused.
 */
final class ToolGraders {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CALLS_SHOWN = 6;

    private ToolGraders() {
    }

    /** One expected call: a tool name, optionally the agent that made it and matchers on its arguments. */
    record CallPattern(String tool, String agent, Map<String, ValueMatcher> arguments) {

        CallPattern {
            arguments = Map.copyOf(arguments);
        }

        boolean matches(RunTranscript.ToolCall call, JsonNode callArguments) {
            if (!tool.equals(call.name()) || (agent != null && !agent.equals(call.agent()))) {
                return false;
            }
            for (Map.Entry<String, ValueMatcher> entry : arguments.entrySet()) {
                if (!entry.getValue().matches(callArguments.get(entry.getKey()))) {
                    return false;
                }
            }
            return true;
        }

        /** {@code lookup_account with account_id=ACME-1001 (by billing)} */
        String describe() {
            StringBuilder text = new StringBuilder(tool);
            if (!arguments.isEmpty()) {
                List<String> parts = new ArrayList<>();
                arguments.entrySet().stream().sorted(Map.Entry.comparingByKey())
                        .forEach(e -> parts.add(e.getKey() + "=" + e.getValue().describe()));
                text.append(" with ").append(String.join(", ", parts));
            }
            if (agent != null) {
                text.append(" by ").append(agent);
            }
            return text.toString();
        }
    }

    static JsonNode arguments(RunTranscript.ToolCall call) {
        return call.arguments() == null ? JSON.createObjectNode() : JSON.valueToTree(call.arguments());
    }

    /** {@code calls: draft_reply({"text":"…"}), lookup_account({…})} or {@code no tool calls}. */
    static String describeCalls(List<RunTranscript.ToolCall> calls) {
        if (calls.isEmpty()) {
            return "no tool calls";
        }
        List<String> shown = new ArrayList<>();
        for (RunTranscript.ToolCall call : calls.subList(0, Math.min(CALLS_SHOWN, calls.size()))) {
            shown.add(describe(call));
        }
        String more = calls.size() > CALLS_SHOWN ? ", … " + (calls.size() - CALLS_SHOWN) + " more" : "";
        return "calls: " + String.join(", ", shown) + more;
    }

    static String describe(RunTranscript.ToolCall call) {
        return call.name() + "(" + Text.truncate(Text.redacted(arguments(call)).toString(), 80) + ")";
    }

    record Called(String name, List<CallPattern> patterns) implements Grader {
        Called {
            patterns = List.copyOf(patterns);
        }

        @Override
        public String kind() {
            return "tools_called";
        }

        @Override
        public Score grade(RunTranscript run) {
            List<JsonNode> arguments = run.toolCalls().stream().map(ToolGraders::arguments).toList();
            List<String> missing = new ArrayList<>();
            for (CallPattern pattern : patterns) {
                boolean found = false;
                for (int i = 0; i < run.toolCalls().size() && !found; i++) {
                    found = pattern.matches(run.toolCalls().get(i), arguments.get(i));
                }
                if (!found) {
                    missing.add(pattern.describe());
                }
            }
            if (missing.isEmpty()) {
                return Score.pass(name, "called " + String.join("; ", patterns.stream().map(CallPattern::describe).toList()));
            }
            return Score.fail(name, "expected a call to " + String.join("; and a call to ", missing) + "; "
                    + describeCalls(run.toolCalls()));
        }
    }

    record NotCalled(String name, List<CallPattern> patterns) implements Grader {
        NotCalled {
            patterns = List.copyOf(patterns);
        }

        @Override
        public String kind() {
            return "tools_not_called";
        }

        @Override
        public Score grade(RunTranscript run) {
            List<String> offending = new ArrayList<>();
            for (CallPattern pattern : patterns) {
                for (RunTranscript.ToolCall call : run.toolCalls()) {
                    if (pattern.matches(call, arguments(call))) {
                        offending.add(pattern.describe() + ": " + describe(call));
                        break;
                    }
                }
            }
            if (offending.isEmpty()) {
                return Score.pass(name, "no call to " + String.join(" or ",
                        patterns.stream().map(CallPattern::describe).toList()));
            }
            return Score.fail(name, "expected no call to " + String.join("; no call to ", offending));
        }
    }
}
