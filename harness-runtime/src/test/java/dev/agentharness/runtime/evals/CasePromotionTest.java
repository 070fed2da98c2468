package dev.agentharness.runtime.evals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.api.RunStatus;
import dev.agentharness.api.RunTranscript;
import dev.agentharness.api.Usage;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CasePromotionTest {

    private static RunTranscript run(RunStatus status, String reason, List<RunTranscript.Handoff> handoffs) {
        return new RunTranscript("0f1e2d3c-aaaa-bbbb", "sess-1", "maya", "gpt", status, reason,
                "What do I owe on A-17?", "Your balance on account A-17 is $42.10, payable by Friday.",
                List.of(new RunTranscript.ToolCall("maya", "c1", "lookup_account", Map.of("account_id", "A-17"),
                        "{}", true)),
                handoffs, List.of(), 3, Usage.ZERO, 10L, "abc123", null, null);
    }

    @Test
    void writesWhatTheRunDidAsExpectationsWithProvenance() throws Exception {
        String line = CasePromotion.caseLine("promoted-1", run(RunStatus.SUCCEEDED, null,
                List.of(new RunTranscript.Handoff("maya", "billing"))), List.of("hi", "my account"),
                LocalDate.of(2026, 12, 4));

        assertFalse(line.contains("\n"));
        JsonNode json = new ObjectMapper().readTree(line);
        assertEquals("promoted-1", json.get("id").asText());
        assertEquals("maya", json.get("agent").asText());
        assertEquals("What do I owe on A-17?", json.get("input").asText());
        assertEquals(List.of("hi", "my account"), List.of(json.at("/history/0").asText(), json.at("/history/1").asText()));
        assertEquals("succeeded", json.at("/expect/status").asText());
        assertTrue(json.at("/expect/reason").isMissingNode());
        assertEquals("lookup_account", json.at("/expect/tools_called/0/name").asText());
        assertEquals("A-17", json.at("/expect/tools_called/0/arguments/account_id").asText());
        assertEquals("billing", json.at("/expect/handoff").asText());
        assertEquals(5, json.at("/expect/max_turns").asInt());
        assertEquals(List.of("A-17", "42.10", "balance"), CasePromotion.salientWords(
                "Your balance on account A-17 is $42.10, payable by Friday."));
        assertEquals("promoted from run 0f1e2d3c-aaaa-bbbb (trace abc123) on 2026-12-04; review the expectations",
                json.get("provenance").asText());
    }

    @Test
    void aFailedRunKeepsItsReasonAndNoHandoffIsNone() throws Exception {
        JsonNode json = new ObjectMapper().readTree(CasePromotion.caseLine("p", run(RunStatus.FAILED,
                "InputGuardrailTripwire", List.of()), List.of(), LocalDate.of(2026, 1, 1)));
        assertEquals("failed", json.at("/expect/status").asText());
        assertEquals("InputGuardrailTripwire", json.at("/expect/reason").asText());
        assertEquals("none", json.at("/expect/handoff").asText());
        assertTrue(json.get("history") == null);
    }

    @Test
    void refusesARunThatHasNotFinished() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CasePromotion.caseLine("p",
                run(RunStatus.RUNNING, null, List.of()), List.of(), LocalDate.of(2026, 1, 1)));
        assertTrue(e.getMessage().contains("has not finished (status running)"));
    }

    @Test
    void defaultIdIsAValidCaseId() {
        assertEquals("promoted-0f1e2d3c-aaa", CasePromotion.defaultId("0F1E2D3C-aaaa-bbbb"));
    }
}
