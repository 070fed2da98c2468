package dev.agentharness.runtime.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.util.OptionalDouble;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TenantPoliciesTest {

    private static final TenantLimits ENV = new TenantLimits(OptionalInt.of(600), OptionalInt.empty(),
            OptionalInt.of(50), OptionalDouble.empty());

    @Test
    void aPrincipalTheFileDoesNotName_getsTheFileDefaultsOverTheEnvironmentDefaults() {
        TenantPolicies policies = policies("""
                defaults: {max_queued: 100, max_in_flight: 20}
                """);

        assertEquals(new TenantLimits(OptionalInt.of(600), OptionalInt.of(100), OptionalInt.of(20),
                OptionalDouble.empty()), policies.limitsFor("anyone"));
    }

    @Test
    void theDocumentedExample_isAValidTenantsFile() throws Exception {
        String section = java.nio.file.Files.readString(java.nio.file.Path.of("..", "docs", "tenants.md"));
        String yaml = section.substring(section.indexOf("```yaml\n") + 8, section.indexOf("```\n", section.indexOf("```yaml\n") + 8));

        TenantPolicies policies = policies(yaml);

        assertEquals(OptionalInt.of(60), policies.limitsFor("ci-bot").requestsPerMinute());
        assertEquals(OptionalInt.of(4), policies.limitsFor("ns:team-b").maxInFlight());
        assertEquals(OptionalInt.of(10), policies.limitsFor("ns:team-a").maxQueued());
        assertEquals(OptionalInt.of(20), policies.limitsFor("anyone").maxInFlight());
    }

    @Test
    void principalAndNamespaceEntries_overrideTheDefaultsFieldByField() {
        TenantPolicies policies = policies("""
                defaults: {max_queued: 100}
                principals:
                  ci-bot: {requests_per_minute: 60}
                namespaces:
                  team-a: {max_in_flight: 2, daily_budget_usd: 5.5}
                """);

        assertEquals(new TenantLimits(OptionalInt.of(60), OptionalInt.of(100), OptionalInt.of(50),
                OptionalDouble.empty()), policies.limitsFor("ci-bot"));
        assertEquals(new TenantLimits(OptionalInt.of(600), OptionalInt.of(100), OptionalInt.of(2),
                OptionalDouble.of(5.5)), policies.limitsFor("ns:team-a"));
        assertEquals(policies.limitsFor("anyone"), policies.limitsFor("team-a"),
                "a key principal named like the namespace is another tenant");
    }

    @Test
    void noFile_meansTheEnvironmentDefaultsForEveryone() {
        assertEquals(ENV, new TenantPolicies(ENV, null, null).limitsFor("x"));
    }

    @Test
    void aBoundOfTheWrongTypeOrRange_stopsStartupNamingFileAndKey() {
        assertRefused("namespaces: {team-a: {max_in_flight: two}}", "namespaces.team-a.max_in_flight: must be a whole number");
        assertRefused("principals: {alice: {max_in_flight: 0}}", "principals.alice.max_in_flight: must be a whole number of at least 1");
        assertRefused("defaults: {daily_budget_usd: -1}", "defaults.daily_budget_usd: must be a positive amount");
        assertRefused("defaults: {daily_budget_usd: 0}", "defaults.daily_budget_usd");
        assertRefused("defaults: {requests_per_minute: 1.5}", "defaults.requests_per_minute");
        assertRefused("defaults: {max_inflight: 3}", "defaults.max_inflight: unknown key");
        assertRefused("tenants: {}", "tenants: unknown key");
        assertRefused("namespaces: {Team_A: {}}", "namespaces.Team_A: not a Kubernetes namespace name");
        assertRefused("principals: {'bad name': {}}", "principals.bad name: not a principal name");
        assertRefused("principals: {'ns:team-a': {}}\nnamespaces: {team-a: {}}", "namespaces.team-a: also set");
        assertRefused("namespaces: [team-a]", "namespaces: must be a mapping");
    }

    private static void assertRefused(String yaml, String message) {
        String refusal = assertThrows(TenantPolicyException.class, () -> policies(yaml)).getMessage();
        assertTrue(refusal.startsWith("HARNESS_TENANTS_FILE /etc/tenants.yaml: ") && refusal.contains(message),
                refusal);
    }

    private static TenantPolicies policies(String yaml) {
        try {
            JsonNode file = new ObjectMapper(new YAMLFactory()).readTree(yaml);
            return new TenantPolicies(ENV, file, "/etc/tenants.yaml");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
