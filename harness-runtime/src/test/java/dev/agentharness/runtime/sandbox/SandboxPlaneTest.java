package dev.agentharness.runtime.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.runtime.sandbox.e2b.E2bConfig;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** SANDBOX_PROVIDER: unset = no sandbox, local / e2b / kubernetes / cloudflare; anything else (or a provider missing its settings) stops the boot with a clear message. */
class SandboxPlaneTest {

    static final E2bConfig NO_E2B = e2b(null);

    static E2bConfig e2b(String key) {
        return new E2bConfig(Optional.ofNullable(key), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());
    }

    @Test
    void unsetMeansNoSandboxAndAnUnhealthyPlane() {
        SandboxPlane plane = new SandboxPlane(Optional.of("  "), "target/plane-test", 3600, 300, NO_E2B);
        assertTrue(plane.provider().isEmpty());
        assertFalse(plane.healthy());
        SandboxException e = assertThrows(SandboxException.class,
                () -> plane.open("run_x", "ses", new Manifest(null, null, null, null), null));
        assertEquals("no sandbox provider is configured", e.getMessage());
    }

    @Test
    void localSelectsTheBubblewrapProvider() {
        assertEquals("local", new SandboxPlane(Optional.of("local"), "target/plane-test", 3600, 300, NO_E2B)
                .provider().orElseThrow().name());
    }

    @Test
    void e2bSelectsTheE2bProviderWhenItsKeyIsSet() {
        assertEquals("e2b", new SandboxPlane(Optional.of("e2b"), "target/plane-test", 3600, 300, e2b("e2b_0123456789"))
                .provider().orElseThrow().name());
    }

    @Test
    void e2bWithoutAKeyStopsTheBootNamingTheVariable() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new SandboxPlane(Optional.of("e2b"), "target/plane-test", 3600, 300, NO_E2B));
        assertEquals("SANDBOX_PROVIDER=e2b is not usable: E2B_API_KEY is not set", e.getMessage());
    }

    @Test
    void anUnknownProviderStopsTheBootNamingTheAlternatives() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new SandboxPlane(Optional.of("docker"), "target/plane-test", 3600, 300, NO_E2B));
        assertTrue(e.getMessage().startsWith("SANDBOX_PROVIDER='docker' is not available in this version of the harness "
                + "(available: local, "), e.getMessage());
        assertTrue(e.getMessage().contains("kubernetes") && e.getMessage().contains("cloudflare"), e.getMessage());
    }

    @Test
    void kubernetesSelectsThePodProviderWithoutTouchingTheClusterYet() {
        assertEquals("kubernetes", new SandboxPlane(Optional.of("kubernetes"), "target/plane-test", 3600, 300, NO_E2B)
                .provider().orElseThrow().name());
    }

    @Test
    void cloudflareWithoutAWorkerUrlStopsTheBootNamingTheVariable() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new SandboxPlane(Optional.of("cloudflare"), "target/plane-test", 3600, 300, NO_E2B));
        assertEquals("SANDBOX_PROVIDER=cloudflare needs CLOUDFLARE_SANDBOX_WORKER_URL (the URL of your Cloudflare "
                + "Sandbox bridge Worker)", e.getMessage());
    }
}
