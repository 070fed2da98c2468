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
            environment = DemoEnvironment.start(new DemoEnvironment.Settings(root, root.resolve("demo/target/e2e"),
                    Optional.empty(), Optional.empty(), Optional.empty(), sandbox));
            Runtime.getRuntime().addShutdownHook(new Thread(environment::close));
        }
        return environment;
    }
}
