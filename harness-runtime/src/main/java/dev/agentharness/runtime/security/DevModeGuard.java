package dev.agentharness.runtime.security;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.Optional;

/**
 * Refuses to start keyless (dev mode) on anything but a loopback address. {@link EdgeDefaults} already binds
 * 127.0.0.1 without keys; this catches an explicit {@code QUARKUS_HTTP_HOST=0.0.0.0}, where a proxy on the same
 * host that adds no {@code X-Forwarded-For} would hand the whole API to the network as principal 'local'.
 */
@ApplicationScoped
public class DevModeGuard {

    private final boolean keyless;
    private final String host;

    public DevModeGuard(@ConfigProperty(name = "harness.api-keys") Optional<String> keys,
                        @ConfigProperty(name = "quarkus.http.host") String host) {
        this.keyless = ApiKeys.parse(keys.orElse("")).isEmpty();
        this.host = host;
    }

    void onStart(@Observes StartupEvent event) {
        // Tests listen on quarkus.http.test-host; the check is about what a deployment exposes.
        if (LaunchMode.current() != LaunchMode.TEST) {
            check(keyless, host);
        }
    }

    /** @throws IllegalStateException when keyless and {@code host} is not a loopback address */
    static void check(boolean keyless, String host) {
        if (keyless && !isLoopback(host)) {
            throw new IllegalStateException("HARNESS_API_KEYS is not set (dev mode), which listens on loopback only, "
                    + "but quarkus.http.host is '" + host + "': set HARNESS_API_KEYS to serve other hosts, "
                    + "or unset QUARKUS_HTTP_HOST");
        }
    }

    static boolean isLoopback(String host) {
        return host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]");
    }
}
