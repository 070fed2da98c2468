package dev.agentharness.runtime.runs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentharness.api.RunTranscript;
import dev.agentharness.api.Usage;
import dev.agentharness.runtime.agent.RunStep;
import dev.agentharness.runtime.agent.RunTranscripts;
import dev.agentharness.runtime.agent.StepKind;
import dev.agentharness.runtime.agent.ToolJson;
import dev.agentharness.runtime.observability.SignedLinkRedaction;
import dev.agentharness.runtime.state.JournalStep;
import dev.agentharness.runtime.state.RunJournal;
import dev.agentharness.runtime.state.RunReads;
import dev.agentharness.runtime.state.RunRecord;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a run's {@link RunTranscript}: its row and its whole journal, joined by {@link RunTranscripts}. Signed links in
 * any string are redacted exactly as in run events ({@link SignedLinkRedaction#redactText}) — the same transcript goes
 * to the owner ({@code GET /runs/{id}/transcript}) and to the inline evaluators, whose explanations leave the harness.
 */
@ApplicationScoped
public class RunTranscriptReader {

    private final RunReads runs;
    private final RunJournal journal;

    public RunTranscriptReader(RunReads runs, RunJournal journal) {
        this.runs = runs;
        this.journal = journal;
    }

    /** The owner's view: another principal's run is indistinguishable from none. */
    public Optional<RunTranscript> read(String runId, String principal) {
        return runs.find(runId, principal).map(this::of);
    }

    public RunTranscript of(RunRecord run) {
        return transcript(run, steps(run.runId()));
    }

    /** The transcript of {@code run} from a journal already in hand (the replica that ran it), redacted alike. */
    public static RunTranscript transcript(RunRecord run, List<RunStep> journal) {
        return redacted(RunTranscripts.of(facts(run), journal));
    }

    static RunTranscripts.RunFacts facts(RunRecord run) {
        return new RunTranscripts.RunFacts(run.runId(), run.sessionId(), run.agent(), run.model(), run.status(),
                run.reason(), run.message(), run.reply(), run.turns(),
                new Usage(run.inputTokens(), run.cachedInputTokens(), run.outputTokens(), run.costUsd()),
                run.traceId(), run.createdAt(), run.startedAt(), run.completedAt(), run.agentVersion());
    }

    private List<RunStep> steps(String runId) {
        return steps(runId, journal.all(runId));
    }

    /** Parses journal rows into steps (also for the nightly's batch reads, {@link NightlyTranscripts}). */
    static List<RunStep> steps(String runId, List<JournalStep> rows) {
        List<RunStep> steps = new ArrayList<>();
        for (JournalStep row : rows) {
            try {
                steps.add(new RunStep(StepKind.fromWire(row.kind()),
                        (ObjectNode) ToolJson.MAPPER.readTree(row.payloadJson())));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("journal step " + row.seq() + " of run " + runId + " is not JSON", e);
            }
        }
        return steps;
    }

    static RunTranscript redacted(RunTranscript t) {
        List<RunTranscript.ToolCall> calls = t.toolCalls().stream()
                .map(call -> new RunTranscript.ToolCall(call.agent(), call.callId(), call.name(),
                        redactValues(call.arguments()), redact(call.output()), call.ran()))
                .toList();
        return new RunTranscript(t.runId(), t.sessionId(), t.agent(), t.model(), t.status(), redact(t.reason()),
                redact(t.input()), redact(t.reply()), calls, t.handoffs(), t.guardrails(), t.turns(), t.usage(),
                t.latencyMs(), t.traceId(), t.createdAt(), t.completedAt(), t.agentVersion());
    }

    private static String redact(String text) {
        return text == null ? null : SignedLinkRedaction.redactText(text);
    }

    private static Map<String, Object> redactValues(Map<String, Object> fields) {
        Map<String, Object> copy = new LinkedHashMap<>();
        fields.forEach((key, value) -> copy.put(key, redactValue(value)));
        return copy;
    }

    @SuppressWarnings("unchecked")
    private static Object redactValue(Object value) {
        return switch (value) {
            case String text -> SignedLinkRedaction.redactText(text);
            case Map<?, ?> map -> redactValues((Map<String, Object>) map);
            case List<?> list -> list.stream().map(RunTranscriptReader::redactValue).toList();
            case null -> null;
            default -> value;
        };
    }
}
