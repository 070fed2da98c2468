package dev.agentharness.runtime.runs;

import dev.agentharness.runtime.agent.TraceSpan;
import dev.agentharness.runtime.observability.RunSpanTree;
import java.util.ArrayList;
import java.util.List;

/**
 * One execution's spans: the run's root span, opened when the execution starts, and the tree of its steps, made from
 * the trace stored at completion and ended only once that completion is recorded (a run whose outcome is discarded
 * here — another replica took it — exports no tree; the replica that records its end does).
 */
final class RunSpans {

    private final RunSpanTree spanTree;
    private final RunSpanTree.Run run;
    private final RunSpanTree.RunSpan root;
    private RunSpanTree.Tree tree;

    RunSpans(RunSpanTree spanTree, RunSpanTree.Run run, RunSpanTree.RunSpan root) {
        this.spanTree = spanTree;
        this.run = run;
        this.root = root;
    }

    RunSpanTree.RunSpan root() {
        return root;
    }

    /**
     * Starts the steps' spans and returns the stored trace carrying their ids.
     *
     * @param exported the trace as spans show it (with tool arguments and results when content is captured)
     * @param stored   the same trace as it is stored (without them): span for span the same steps
     */
    List<TraceSpan> startTree(List<TraceSpan> exported, List<TraceSpan> stored) {
        if (exported.size() != stored.size()) {
            throw new IllegalArgumentException("the exported and the stored trace differ in length");
        }
        List<RunSpanTree.Step> steps = new ArrayList<>(exported.size());
        for (TraceSpan span : exported) {
            steps.add(new RunSpanTree.Step(kindOf(span), span.name(), span.startedAt(), span.endedAt(),
                    span.attributes(), span.error()));
        }
        // A completion built twice (its first attempt failed) leaves the first tree unended: it is never exported.
        tree = spanTree.start(run, root, steps);
        List<TraceSpan> withIds = new ArrayList<>(stored.size());
        for (int i = 0; i < stored.size(); i++) {
            withIds.add(stored.get(i).withSpanIds(tree.spanIds().get(i), tree.parentSpanIds().get(i)));
        }
        return withIds;
    }

    /** Exports the steps' spans: the run's outcome is recorded. */
    void endTree() {
        if (tree != null) {
            tree.end();
            tree = null;
        }
    }

    /** The journal trace's marker span of a run that did not succeed is an agent span named {@code run.<status>}. */
    private static RunSpanTree.Kind kindOf(TraceSpan span) {
        return switch (span.kind()) {
            case AGENT -> span.name().startsWith("run.") && !span.attributes().containsKey("tools") ? RunSpanTree.Kind.RUN_END : RunSpanTree.Kind.AGENT;
            case GENERATION -> RunSpanTree.Kind.GENERATION;
            case FUNCTION -> RunSpanTree.Kind.FUNCTION;
            case HANDOFF -> RunSpanTree.Kind.HANDOFF;
            case GUARDRAIL -> RunSpanTree.Kind.GUARDRAIL;
        };
    }
}
