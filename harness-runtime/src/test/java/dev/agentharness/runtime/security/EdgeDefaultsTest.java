package dev.agentharness.runtime.security;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URL;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The listen address and proxy trust the shipped application.properties resolves to, with the factories the jar
 * registers (ServiceLoader), for a given environment: keyless = loopback only, forwarded headers only from
 * HARNESS_TRUSTED_PROXIES.
 */
class EdgeDefaultsTest {

    @Test
    void keylessDevModeListensOnLoopbackOnly() throws IOException {
        String host = resolve(Map.of()).getValue("quarkus.http.host", String.class);

        assertEquals("127.0.0.1", host);
        DevModeGuard.check(true, host);
    }

    @Test
    void withApiKeysTheHarnessListensOnEveryInterface() throws IOException {
        assertEquals("0.0.0.0", resolve(Map.of("HARNESS_API_KEYS", "ops:k1")).getValue("quarkus.http.host", String.class));
    }

    @Test
    void anExplicitHostStillWinsAndAKeylessStartThereIsRefused() throws IOException {
        String host = resolve(Map.of("QUARKUS_HTTP_HOST", "0.0.0.0")).getValue("quarkus.http.host", String.class);

        assertEquals("0.0.0.0", host);
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> DevModeGuard.check(true, host));
        assertTrue(refused.getMessage().contains("HARNESS_API_KEYS"), refused.getMessage());
        DevModeGuard.check(false, host);
    }

    @Test
    void forwardedHeadersAreHonouredOnlyFromConfiguredProxies() throws IOException {
        SmallRyeConfig none = resolve(Map.of("HARNESS_API_KEYS", "ops:k1"));
        assertFalse(none.getValue("quarkus.http.proxy.proxy-address-forwarding", Boolean.class));

        SmallRyeConfig proxied = resolve(Map.of("HARNESS_API_KEYS", "ops:k1", "HARNESS_TRUSTED_PROXIES", "10.0.0.0/8"));
        assertTrue(proxied.getValue("quarkus.http.proxy.proxy-address-forwarding", Boolean.class));
        assertEquals("10.0.0.0/8", proxied.getValue("quarkus.http.proxy.trusted-proxies", String.class));
    }

    /** application.properties at its Quarkus ordinal, {@code environment} as the environment (ordinal 300). */
    private static SmallRyeConfig resolve(Map<String, String> environment) throws IOException {
        URL properties = EdgeDefaults.class.getClassLoader().getResource("application.properties");
        return new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, 250))
                .withSources(new EnvConfigSource(environment, 300))
                .addDefaultInterceptors()
                .addDiscoveredSources()
                .build();
    }
}
