package dev.agentharness.runtime.cli;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * Entry point of {@code quarkus-run.jar}. Without arguments it serves the harness. {@code migrate} applies the
 * schema migrations and exits — for a Kubernetes Job or init container, so that replicas never race a schema change
 * and a broken migration fails one Job instead of every pod.
 */
@QuarkusMain
public final class HarnessMain {

    private HarnessMain() {
    }

    public static void main(String... args) {
        if (args.length > 0 && "migrate".equals(args[0])) {
            // Plain Java on purpose: no HTTP server, no run worker, nothing but the migration.
            System.exit(MigrateCommand.run(System.getenv(), System.out, System.err));
        }
        Quarkus.run(args);
    }
}
