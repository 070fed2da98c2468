package dev.agentharness.runtime.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.RunRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The stored request and its idempotency hash: a request that pins no agent version serialises exactly as before
 * versions existed (an Idempotency-Key replayed across the upgrade is the same request, not a 409); a pinned one
 * includes the pin (another version is another request).
 */
class RunRequestCanonicalJsonTest {

    @Test
    void withoutAPinTheRequestReadsAsItDidBeforeAgentVersions() {
        RunRequest request = new RunRequest("hello", null, "maya", null, true, null, 3, null,
                Map.of("b", "2", "a", "1"), 0.5, null);

        assertEquals("{\"agent\":\"maya\",\"manifest\":null,\"max_cost_usd\":0.5,\"max_tokens\":null,\"max_turns\":3,"
                + "\"message\":\"hello\",\"metadata\":{\"a\":\"1\",\"b\":\"2\"},\"model\":null,\"save_artifact\":true,"
                + "\"session_id\":null,\"timeout_seconds\":null}", RunService.canonicalJson(request));
    }

    @Test
    void aPinnedVersionIsPartOfTheRequest() {
        String version = "sha256:" + "a".repeat(64);
        RunRequest pinned = new RunRequest("hello", null, "support", null, null, null, null, null, null, null, null,
                version);

        assertTrue(RunService.canonicalJson(pinned).contains("\"agent_version\":\"" + version + "\""));
    }
}
