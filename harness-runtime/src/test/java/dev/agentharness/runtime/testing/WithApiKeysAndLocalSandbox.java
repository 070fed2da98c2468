package dev.agentharness.runtime.testing;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Two principals ({@link WithApiKeys}'s alice and bob) on a harness with the local (bubblewrap) sandbox, the
 * example agents and the local object store: what it takes to show that one principal's session, its history and
 * its mounted inputs are out of another's reach.
 */
public class WithApiKeysAndLocalSandbox implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = new HashMap<>(new WithLocalSandbox().getConfigOverrides());
        config.put("harness.api-keys", "alice:" + WithApiKeys.ALICE_KEY_1 + ",bob:" + WithApiKeys.BOB_KEY);
        return config;
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(FakeModelResource.class));
    }
}
