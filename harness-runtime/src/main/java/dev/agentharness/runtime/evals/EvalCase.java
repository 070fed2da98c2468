package dev.agentharness.runtime.evals;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One golden case, parsed from one line of a dataset ({@code evals/*.jsonl}).
 *
 * @param source     {@code file:line} it was read from, for error messages and reports
 * @param agent      the agent to run, {@code null} for the harness default (a runner's {@code --agent} overrides it)
 * @param history    earlier user messages, run first in the same session (their replies are not graded)
 * @param manifest   a sandbox manifest for the run, or {@code null}
 * @param graders    one per expectation (and the judge when the case has a rubric); never empty
 * @param provenance free text: where the case came from (a promoted run, a bug report)
 */
public record EvalCase(
        String id,
        String source,
        List<String> tags,
        String agent,
        String model,
        String input,
        List<String> history,
        Map<String, Object> manifest,
        List<Grader> graders,
        String provenance) {

    public EvalCase {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(input, "input");
        tags = tags == null ? List.of() : List.copyOf(tags);
        history = history == null ? List.of() : List.copyOf(history);
        graders = List.copyOf(graders);
    }

    /** The same case run against another agent (the runner's {@code --agent}, a candidate version). */
    public EvalCase withAgent(String otherAgent) {
        return new EvalCase(id, source, tags, otherAgent, model, input, history, manifest, graders, provenance);
    }
}
