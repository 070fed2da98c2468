package dev.agentharness.deploy.testing;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository root, found from the working directory (surefire runs in the root; an IDE may run in deploy/). */
public final class RepositoryFiles {

    private RepositoryFiles() {
    }

    public static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path candidate = dir; candidate != null; candidate = candidate.getParent()) {
            if (Files.isRegularFile(candidate.resolve("helm/agent-harness/Chart.yaml"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no repository root (with helm/agent-harness/Chart.yaml) above " + dir);
    }

    public static Path resolve(String relative) {
        return root().resolve(relative);
    }

    /** In CI a missing tool is a failure; locally the test is skipped with the same message. */
    public static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** What a test needs (a tool, a packaged module) is missing, as {@code message} says: a skip, or in CI a failure. */
    public static void requirementMissing(String message) {
        if (ci()) {
            throw new IllegalStateException(message + "; CI=true, so this is a failure, not a skip");
        }
        Assumptions.abort(message);
    }
}
