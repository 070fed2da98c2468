package dev.agentharness.runtime.security;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.List;
import java.util.Map;

/**
 * Listen address and proxy trust derived from other settings, which a plain property default cannot express:
 * <ul>
 *   <li>{@code quarkus.http.host}: {@code 127.0.0.1} when {@code HARNESS_API_KEYS} is unset (keyless dev mode must
 *       not be reachable through a same-host proxy or from the network), {@code 0.0.0.0} otherwise;</li>
 *   <li>{@code quarkus.http.proxy.proxy-address-forwarding}: on only when {@code HARNESS_TRUSTED_PROXIES} lists
 *       proxies — Quarkus trusts every peer's {@code X-Forwarded-*} when its trusted-proxy list is empty.</li>
 * </ul>
 * Ordinal {@value #ORDINAL}: below application.properties (250), so an explicit {@code QUARKUS_HTTP_HOST} still
 * wins — {@link DevModeGuard} then refuses a keyless start on a non-loopback address.
 */
public class EdgeDefaults implements ConfigSourceFactory {

    static final int ORDINAL = 200;
    static final String KEYS = "HARNESS_API_KEYS";
    static final String KEYS_PROPERTY = "harness.api-keys";
    static final String TRUSTED_PROXIES = "HARNESS_TRUSTED_PROXIES";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        boolean keyless = blank(context, KEYS) && blank(context, KEYS_PROPERTY);
        boolean proxied = !blank(context, TRUSTED_PROXIES);
        return List.of(new PropertiesConfigSource(Map.of(
                "quarkus.http.host", keyless ? "127.0.0.1" : "0.0.0.0",
                "quarkus.http.proxy.proxy-address-forwarding", Boolean.toString(proxied)),
                "harness-edge-defaults", ORDINAL));
    }

    /** Unset, empty, or an unexpanded expression (application.properties' own {@code ${HARNESS_API_KEYS:}}). */
    private static boolean blank(ConfigSourceContext context, String name) {
        ConfigValue value = context.getValue(name);
        return value == null || value.getValue() == null || value.getValue().isBlank()
                || value.getValue().startsWith("${");
    }
}
