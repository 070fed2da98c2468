package dev.agentharness.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The wire shape of {@code progress} in a run: snake_case, every key present, also {@code last_step: null}. */
class RunProgressJsonTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void progressIsSnakeCaseWithEveryKey() throws Exception {
        JsonNode progress = json.readTree(json.writeValueAsString(new RunProgress(3, 9, "tool_output", 2, 1)));
        assertEquals("{\"turns\":3,\"steps\":9,\"last_step\":\"tool_output\",\"attempts\":2,\"recoveries\":1}",
                progress.toString());

        JsonNode none = json.readTree(json.writeValueAsString(RunProgress.NONE));
        assertEquals("{\"turns\":0,\"steps\":0,\"last_step\":null,\"attempts\":0,\"recoveries\":0}", none.toString());
    }

    @Test
    void aRunCarriesItsProgressAndReadsBack() throws Exception {
        RunResponse run = new RunResponse("run_1", "ses_1", "maya", "m", RunStatus.RUNNING, null, null, false, null,
                null, List.of(), Usage.ZERO, "t", null, null, null, null, new RunProgress(1, 4, "tool_started", 1, 0));
        String text = json.writeValueAsString(run);
        assertEquals("tool_started", json.readTree(text).path("progress").path("last_step").asText());
        assertEquals(new RunProgress(1, 4, "tool_started", 1, 0), json.readValue(text, RunResponse.class).progress());
    }
}
