package dev.agentharness.operator.testing;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * An operator of its own (its own boot, mock API server and fake harness): for tests that count every AgentRun the
 * operator knows, which the AgentRuns of other test classes would otherwise join. Spans go to {@link InMemorySpans},
 * handed over at once rather than in batches every 5 s.
 */
public class OwnOperatorProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("quarkus.otel.bsp.schedule.delay", "50ms", InMemorySpans.ENABLED, "true");
    }
}
