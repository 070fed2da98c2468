package dev.agentharness.deploy.aca;

import dev.agentharness.deploy.testing.RepositoryFiles;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** deploy/aca/deploy.sh passes shellcheck (Debian's shellcheck; .ci/run installs it). */
class DeployScriptTest {

    @Test
    void shellcheckFindsNothing() throws Exception {
        Path shellcheck = Path.of("/usr/bin/shellcheck");
        if (!Files.isExecutable(shellcheck)) {
            String message = "shellcheck is not installed — 'apt-get install -y shellcheck' (.ci/run does)";
            RepositoryFiles.requirementMissing(message);
        }
        var result = ContainerAppYamlTest.run(List.of(shellcheck.toString(), "--severity=style", "--shell=bash",
                "deploy/aca/deploy.sh"), Map.of("PATH", System.getenv("PATH")));
        assertEquals(0, result.exitCode(), result.stdout() + result.stderr());
    }

    @Test
    void theScriptIsExecutableAndStrict() throws Exception {
        Path script = RepositoryFiles.resolve("deploy/aca/deploy.sh");
        assertTrue(Files.isExecutable(script));
        assertTrue(Files.readString(script).contains("\nset -euo pipefail\n"));
    }
}
