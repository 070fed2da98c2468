package dev.agentharness.runtime.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Tests that run real commands in bubblewrap: skipped without it locally, a failure on CI. */
public final class Bwrap {

    private Bwrap() {
    }

    public static void assumeInstalled() {
        boolean installed = Files.isExecutable(Path.of("/usr/bin/bwrap"));
        if (installed) {
            return;
        }
        String message = "Debian package 'bubblewrap' is missing — install it with 'apt-get install -y bubblewrap' (.ci/run does)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new IllegalStateException(message + "; CI=true, so this is a failure, not a skip");
        }
        Assumptions.abort(message);
    }
}
