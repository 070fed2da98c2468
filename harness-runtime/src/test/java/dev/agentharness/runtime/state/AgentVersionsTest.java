package dev.agentharness.runtime.state;

import static dev.agentharness.runtime.state.RunFixture.principal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A tenant's agent versions: registering is idempotent and never activates; only a stored version can be activated;
 * tenants never see each other's agents.
 */
class AgentVersionsTest {

    private static final String V1 = "sha256:" + "1".repeat(64);
    private static final String V2 = "sha256:" + "2".repeat(64);

    private static RunFixture fixture;
    private static AgentVersions agents;

    @BeforeAll
    static void database() {
        fixture = RunFixture.migrated();
        agents = new AgentVersions(fixture.pool);
    }

    @AfterAll
    static void close() {
        fixture.close();
    }

    @Test
    void registeringIsIdempotent_andActivationNeedsAStoredVersion() {
        String tenant = principal();
        assertTrue(agents.register(tenant, "support", V1, "{\"instructions\": \"one\"}"));
        assertFalse(agents.register(tenant, "support", V1, "{\"instructions\": \"one\"}"), "the same version again");
        assertNull(agents.agent(tenant, "support").orElseThrow().activeVersion(), "registering does not activate");

        assertFalse(agents.activate(tenant, "support", V2), "V2 is not stored");
        assertTrue(agents.register(tenant, "support", V2, "{\"instructions\": \"two\"}"));
        assertTrue(agents.activate(tenant, "support", V1));
        assertEquals(V1, agents.agent(tenant, "support").orElseThrow().activeVersion());

        assertEquals(2, agents.versions(tenant, "support", 100).size());
        assertEquals(Map.of("support", V1), Map.of("support",
                agents.activeVersions(tenant).get("support").version()));
        assertEquals("{\"instructions\": \"two\"}", agents.find(tenant, "support", V2).orElseThrow().specJson());
        assertEquals(List.of(V1), agents.findAll(tenant, Map.of("support", V1)).values().stream()
                .map(AgentVersions.StoredVersion::version).toList());
    }

    @Test
    void tenantsDoNotSeeEachOthersAgents() {
        String tenant = principal();
        String neighbour = principal();
        agents.register(tenant, "support", V1, "{}");
        agents.activate(tenant, "support", V1);

        assertTrue(agents.agent(neighbour, "support").isEmpty());
        assertTrue(agents.find(neighbour, "support", V1).isEmpty());
        assertFalse(agents.activate(neighbour, "support", V1));
        assertTrue(agents.activeVersions(neighbour).isEmpty());
        assertEquals(1, agents.findAll(tenant, Map.of("support", V1)).size());
        assertTrue(agents.findAll(neighbour, Map.of("support", V1)).isEmpty());
    }
}
