package dev.agentharness.deploy.helm;

import dev.agentharness.deploy.testing.RepositoryFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Prometheus's own promtool (Debian's prometheus 2.42 package, extracted by .ci/run into .tools/prometheus — not
 * installed, no service): parses rules with the real PromQL parser and evaluates them on recorded series.
 */
final class Promtool {

    static final Path BINARY = RepositoryFiles.resolve(".tools/prometheus/usr/bin/promtool");

    record Result(int exitCode, String output) {
    }

    private Promtool() {
    }

    /** The binary; locally a skip when it is missing, under CI=true a failure. */
    static Path require() {
        if (!Files.isExecutable(BINARY)) {
            String message = "promtool is not at " + BINARY + " — `(cd /tmp && apt-get download prometheus) && mkdir -p "
                    + ".tools/prometheus && dpkg-deb -x /tmp/prometheus_*.deb .tools/prometheus` (.ci/run does)";
            RepositoryFiles.requirementMissing(message);
        }
        return BINARY;
    }

    /** Runs promtool with the arguments in the given directory; stdout and stderr together. */
    static Result run(Path directory, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(require().toString());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(process.waitFor(), output);
    }
}
