package dev.agentharness.runtime.agent;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.agentharness.runtime.model.ConversationItem;
import dev.agentharness.runtime.model.ModelResponse;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The model_response payload's answer details: the keys the trace's spans and the token metrics read. */
class JournalStepsTest {

    private static final Instant AT = Instant.parse("2026-12-04T00:00:00Z");

    @Test
    void aModelResponseRecordsTheAnswersModelFinishReasonAndCachedAndReasoningTokensAndReplaysThem() {
        ModelResponse answer = new ModelResponse("resp_1", List.of(new ConversationItem.AssistantMessage("hi")), 100, 20,
                "gpt-5.4-mini-2026-03-01", "stop", 64, 8);

        RunStep step = JournalSteps.modelResponse("maya", "gpt-5.4-mini", 1, answer, 0.000125, AT, AT.plusSeconds(1));

        assertEquals("gpt-5.4-mini-2026-03-01", step.text("response_model"));
        assertEquals("stop", step.text("finish_reason"));
        assertEquals(64, step.payload().path("cached_input_tokens").asLong());
        assertEquals(8, step.payload().path("reasoning_tokens").asLong());
        assertEquals(0.000125, step.payload().path("cost_usd").asDouble());
        assertEquals(java.util.OptionalDouble.of(0.000125), JournalSteps.recordedCostUsd(step));
        assertEquals(answer, JournalSteps.modelResponse(step));

        TraceSpan generation = JournalTrace.spans(List.of(step), false, AT.plusSeconds(2)).getFirst();
        assertEquals("gpt-5.4-mini-2026-03-01", generation.attributes().get("response_model"));
        assertEquals("stop", generation.attributes().get("finish_reason"));
        assertEquals(64L, generation.attributes().get("cached_input_tokens"));
        assertEquals(8L, generation.attributes().get("reasoning_tokens"));
    }

    @Test
    void aJournalWrittenBeforeTheDetailsReplaysWithNoneOfThem() {
        RunStep old = new RunStep(StepKind.MODEL_RESPONSE, JsonNodeFactory.instance.objectNode().put("agent", "maya")
                .put("model", "gpt-5.4-mini").put("turn", 1).put("response_id", "resp_1").put("input_tokens", 10)
                .put("output_tokens", 2).put("started_at", AT.toString()).put("ended_at", AT.toString()));
        old.payload().putArray("output").addObject().put("type", "message").put("text", "hi");

        ModelResponse replayed = JournalSteps.modelResponse(old);

        assertNull(replayed.responseModel());
        assertNull(replayed.finishReason());
        assertEquals(0, replayed.cachedInputTokens());
        assertEquals(java.util.OptionalDouble.empty(), JournalSteps.recordedCostUsd(old), "priced only when recorded");
        assertEquals(0, replayed.reasoningTokens());
        TraceSpan generation = JournalTrace.spans(List.of(old), false, AT).getFirst();
        assertNull(generation.attributes().get("cached_input_tokens"), "unknown, not 0");
    }
}
