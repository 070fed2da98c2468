package dev.agentharness.runtime.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged jar run as a one-shot command ({@code java -jar quarkus-run.jar migrate}): exit code and output. */
public final class HarnessCommand {

    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");

    public record Result(int exitCode, String output) {
    }

    private HarnessCommand() {
    }

    public static Result run(Map<String, String> env, String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Djava.io.tmpdir=/tmp", "-jar", JAR.toString()));
        command.addAll(List.of(args));
        try {
            Path output = Files.createTempFile(Path.of("/tmp"), "harness-command-", ".log");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
            builder.environment().keySet().removeIf(name -> name.startsWith("DATABASE_"));
            builder.environment().putAll(env);
            Process process = builder.start();
            if (!process.waitFor(180, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("harness " + String.join(" ", args) + " did not exit:\n"
                        + Files.readString(output));
            }
            return new Result(process.exitValue(), Files.readString(output));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
