package dev.agentharness.runtime.runs;

import dev.agentharness.api.RunStatus;
import dev.agentharness.api.RunTranscript;
import dev.agentharness.runtime.evals.Grader;
import dev.agentharness.runtime.evals.Score;

import java.util.List;

/**
 * What the nightly grades an agent with when it declares no evaluators: three deterministic checks a production
 * agent should always pass, cheap enough for every sampled run and free of any model call.
 * <ul>
 *   <li>{@code completed}: the run succeeded (a failure or timeout names its status and reason);</li>
 *   <li>{@code tool_arguments}: every tool call the model made was accepted and finished — a refused argument
 *       (a schema the model keeps missing) or a call that never returned is a regression worth a look;</li>
 *   <li>{@code replied}: the run gave a non-blank reply.</li>
 * </ul>
 */
public final class NightlyDefaults {

    private NightlyDefaults() {
    }

    public static List<Grader> graders() {
        return List.of(new Completed(), new ToolArguments(), new Replied());
    }

    private record Completed() implements Grader {
        @Override
        public String kind() {
            return "completed";
        }

        @Override
        public Score grade(RunTranscript run) {
            return run.status() == RunStatus.SUCCEEDED ? Score.pass(kind(), "the run succeeded")
                    : Score.fail(kind(), "the run ended " + run.status().name().toLowerCase(java.util.Locale.ROOT)
                    + (run.reason() == null ? "" : " (" + run.reason() + ")"));
        }
    }

    private record ToolArguments() implements Grader {
        @Override
        public String kind() {
            return "tool_arguments";
        }

        @Override
        public Score grade(RunTranscript run) {
            // A call with an output that did not run had its arguments refused; a call without output never returned.
            List<String> refused = run.toolCalls().stream().filter(call -> call.output() != null && !call.ran())
                    .map(RunTranscript.ToolCall::name).toList();
            List<String> unfinished = run.toolCalls().stream().filter(call -> call.output() == null)
                    .map(RunTranscript.ToolCall::name).toList();
            if (refused.isEmpty() && unfinished.isEmpty()) {
                return Score.pass(kind(), run.toolCalls().size() + " tool call(s), all accepted and finished");
            }
            return Score.fail(kind(), (refused.isEmpty() ? "" : "arguments refused: " + refused
                    + (unfinished.isEmpty() ? "" : "; ")) + (unfinished.isEmpty() ? "" : "never finished: " + unfinished));
        }
    }

    private record Replied() implements Grader {
        @Override
        public String kind() {
            return "replied";
        }

        @Override
        public Score grade(RunTranscript run) {
            return run.reply() != null && !run.reply().isBlank() ? Score.pass(kind(), "the run replied")
                    : Score.fail(kind(), "the run gave no reply");
        }
    }
}
