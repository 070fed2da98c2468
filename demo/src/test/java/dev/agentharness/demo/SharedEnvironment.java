package dev.agentharness.demo;

import java.nio.file.Path;
import java.util.Optional;

/**
 * One {@link DemoEnvironment} for every end-to-end test class of this JVM: starting the harness,
 * the operator and the API server costs ~20 s, so the classes share it (each in its own namespace)
 * and it stops when the JVM ends.
 */
final class SharedEnvironment {

    private static DemoEnvironment environment;

    /**
     * The harness's tenants file (runs/TenantPolicies): team-a may have one run in flight and none waiting, team-b is
     * not limited; every other namespace (the other test classes') has the defaults, i.e. no limit.
     */
    static final String TENANTS = """
            namespaces:
              team-a: {max_queued: 0, max_in_flight: 1}
            """;

    private SharedEnvironment() {
    }

    static synchronized DemoEnvironment get() {
        if (environment == null) {
            java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
            boolean sandbox = DemoEnvironment.bubblewrapInstalled();
            if (!sandbox && "true".equals(System.getenv("CI"))) {
                throw new AssertionError("bubblewrap is missing in CI: the analyst example needs the local sandbox");
            }
            Path root = Path.of("").toAbsolutePath();
            Path tenants = root.resolve("demo/target/e2e-tenants.yaml");
            try {
                java.nio.file.Files.createDirectories(tenants.getParent());
                java.nio.file.Files.writeString(tenants, TENANTS);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            environment = DemoEnvironment.start(new DemoEnvironment.Settings(root, root.resolve("demo/target/e2e"),
                    Optional.empty(), Optional.empty(), Optional.empty(), sandbox,
                    java.util.Map.of("HARNESS_TENANTS_FILE", tenants.toString())));
            Runtime.getRuntime().addShutdownHook(new Thread(environment::close));
        }
        return environment;
    }
}
