package dev.agentharness.runtime.evals;

import dev.agentharness.api.RunStatus;
import dev.agentharness.api.RunTranscript;
import dev.agentharness.api.Usage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Transcripts for grader tests: a succeeded run of maya, changed one field at a time. */
final class Transcripts {

    private RunStatus status = RunStatus.SUCCEEDED;
    private String reason;
    private String input = "Why was ACME-1001 charged twice?";
    private String reply = "I checked account ACME-1001: the second charge is a duplicate and will be refunded.";
    private final List<RunTranscript.ToolCall> calls = new ArrayList<>();
    private final List<RunTranscript.Handoff> handoffs = new ArrayList<>();
    private int turns = 2;
    private Usage usage = new Usage(1000, 0, 200, 0.0042);
    private Long latencyMs = 1200L;

    static Transcripts run() {
        return new Transcripts();
    }

    Transcripts status(RunStatus value) {
        status = value;
        return this;
    }

    Transcripts reason(String value) {
        reason = value;
        return this;
    }

    Transcripts input(String value) {
        input = value;
        return this;
    }

    Transcripts reply(String value) {
        reply = value;
        return this;
    }

    Transcripts call(String name, Map<String, Object> arguments) {
        return call("maya", name, arguments, "ok");
    }

    Transcripts call(String agent, String name, Map<String, Object> arguments, String output) {
        calls.add(new RunTranscript.ToolCall(agent, "call_" + calls.size(), name, arguments, output, true));
        return this;
    }

    Transcripts handoff(String from, String to) {
        handoffs.add(new RunTranscript.Handoff(from, to));
        return this;
    }

    Transcripts turns(int value) {
        turns = value;
        return this;
    }

    Transcripts usage(Usage value) {
        usage = value;
        return this;
    }

    Transcripts latencyMs(Long value) {
        latencyMs = value;
        return this;
    }

    /** A run that failed before answering. */
    Transcripts failed(String why) {
        status = RunStatus.FAILED;
        reason = why;
        reply = null;
        return this;
    }

    RunTranscript build() {
        return new RunTranscript("run-1", "session-1", "maya", "gpt-test", status, reason, input, reply, calls,
                handoffs, List.of(), turns, usage, latencyMs, null, null, null);
    }
}
