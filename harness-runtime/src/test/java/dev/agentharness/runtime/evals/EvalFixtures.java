package dev.agentharness.runtime.evals;

import dev.agentharness.api.RunStatus;
import dev.agentharness.api.RunTranscript;
import dev.agentharness.api.Usage;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/** Cases, transcripts and graders for the runner and report tests. */
public final class EvalFixtures {

    private EvalFixtures() {
    }

    /** A grader that passes when the reply contains {@code word}. */
    public static Grader replyContains(String word) {
        return new Grader() {
            @Override
            public String kind() {
                return "reply_contains";
            }

            @Override
            public Score grade(RunTranscript run) {
                return run.reply() != null && run.reply().contains(word)
                        ? Score.pass(kind(), "the reply contains '" + word + "'")
                        : Score.fail(kind(), "the reply does not contain '" + word + "'");
            }
        };
    }

    public static EvalCase evalCase(String id, String input, List<String> tags, Grader... graders) {
        return new EvalCase(id, "maya.jsonl:" + id.length(), tags, null, null, input, List.of(), null,
                List.of(graders), null);
    }

    public static RunTranscript transcript(String runId, String input, String reply, double cost, long latencyMs) {
        return new RunTranscript(runId, "s-" + runId, "maya", "gpt-test", RunStatus.SUCCEEDED, null, input, reply,
                List.of(new RunTranscript.ToolCall("maya", "c1", "lookup_account", Map.of("account_id", "A-1"),
                        "{\"balance\": 42}", true)),
                List.of(), List.of(), 2, new Usage(100, 0, 20, cost), latencyMs, "trace-" + runId, null, null);
    }

    /** A clock that moves one second per reading: started and finished differ, deterministically. */
    public static Clock tickingClock() {
        Instant start = Instant.parse("2026-12-04T10:00:00Z");
        return new Clock() {
            private int ticks;

            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public synchronized Instant instant() {
                return start.plus(Duration.ofSeconds(ticks++));
            }
        };
    }
}
