package dev.agentharness.operator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LeaderElectionTest {

    record Settings(boolean enabled, String leaseName, Optional<String> leaseNamespace)
            implements OperatorConfig.LeaderElection {
    }

    @Test
    void aLeaseNamedAndPlacedAsConfigured() {
        LeaderElectionConfiguration config = LeaderElection.of(new Settings(true, "agent-harness-operator",
                Optional.of("agent-harness")));
        assertEquals("agent-harness-operator", config.getLeaseName());
        assertEquals(Optional.of("agent-harness"), config.getLeaseNamespace());
        assertEquals(true, config.isExitOnStopLeading(), "a replica that loses the lease stops reconciling at once");
    }

    @Test
    void withoutANamespaceTheClientsNamespaceIsUsed() {
        assertEquals(Optional.empty(), LeaderElection.of(new Settings(true, "x", Optional.empty())).getLeaseNamespace());
    }

    @Test
    void disabledMeansNoConfiguration() {
        assertNull(LeaderElection.of(new Settings(false, "x", Optional.empty())));
    }
}
