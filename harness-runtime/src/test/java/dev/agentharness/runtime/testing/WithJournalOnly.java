package dev.agentharness.runtime.testing;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * The harness with API keys (alice, bob) whose worker claims nothing ({@code max-in-flight=0}): a test claims its
 * runs itself and writes their journals step by step, as a worker on another replica would. Keep-alives every second.
 */
public class WithJournalOnly implements QuarkusTestProfile {

    public static final String ALICE_KEY = "alice-events-key-0123456789abcdef";
    public static final String BOB_KEY = "bob-events-key-00112233445566778899";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "harness.api-keys", "alice:" + ALICE_KEY + ",bob:" + BOB_KEY,
                "harness.runs.max-in-flight", "0",
                "harness.events.heartbeat-seconds", "1");
    }
}
