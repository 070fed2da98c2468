package dev.agentharness.runtime.sandbox.e2b;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The E2B variables as configured ({@code harness.sandbox.e2b.*}, see application.properties); read only when SANDBOX_PROVIDER=e2b. */
@ApplicationScoped
public class E2bConfig {

    private final E2bSettings.Resolution resolution;

    @Inject
    public E2bConfig(@ConfigProperty(name = "harness.sandbox.e2b.api-key") Optional<String> apiKey,
                     @ConfigProperty(name = "harness.sandbox.e2b.domain") Optional<String> domain,
                     @ConfigProperty(name = "harness.sandbox.e2b.api-url") Optional<String> apiUrl,
                     @ConfigProperty(name = "harness.sandbox.e2b.template") Optional<String> template,
                     @ConfigProperty(name = "harness.sandbox.e2b.sandbox-url") Optional<String> sandboxUrl,
                     @ConfigProperty(name = "harness.sandbox.e2b.owner") Optional<String> owner) {
        this.resolution = E2bSettings.resolve(apiKey.orElse(null), domain.orElse(null), apiUrl.orElse(null),
                template.orElse(null), sandboxUrl.orElse(null), owner.orElse(null));
    }

    /** The provider, or why it cannot be built (variable names, never values). */
    public E2bSandboxProvider provider() {
        return resolution.settings().map(E2bSandboxProvider::new).orElseThrow(() -> new IllegalStateException(
                "SANDBOX_PROVIDER=e2b is not usable: " + String.join("; ", resolution.problems())));
    }
}
