package dev.agentharness.runtime.cli;

import dev.agentharness.runtime.client.HarnessClient;
import dev.agentharness.runtime.client.HttpRunTarget;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code eval run --in-process}: boots the harness in this JVM on its embedded defaults — embedded PostgreSQL in a
 * fresh temporary data directory, a free loopback port, a generated API key — runs the eval against it over HTTP
 * (the same path as {@code --target}, so nothing differs but the process) and shuts it down. The model comes from the
 * environment as for {@code serve} ({@code OPENAI_API_KEY}, {@code OPENAI_BASE_URL} for any compatible endpoint such as
 * the FAKE model server, or {@code AZURE_OPENAI_*}); without one it stops before booting, naming the variable.
 * With {@code DATABASE_URL} set it refuses: an eval must not write into, or claim the queued runs of, a real database.
 */
final class InProcessHarness {

    /** What the booted application runs; set just before {@link Quarkus#run} (one in-process eval per JVM). */
    private static volatile Job job;

    private record Job(Cli cli, EvalRunCommand.Plan plan, URI url, String apiKey) {
    }

    private InProcessHarness() {
    }

    static int run(Cli cli, EvalRunCommand.Plan plan) throws IOException {
        Optional<String> missing = CliJudge.modelConfig(cli.env()).missingVariable();
        if (missing.isPresent()) {
            throw new UsageException("--in-process needs a model: set " + missing.get() + " (with OPENAI_BASE_URL "
                    + "for any OpenAI-compatible endpoint, such as the FAKE model server)");
        }
        if (present(cli.env().get("DATABASE_URL"))) {
            throw new UsageException("--in-process runs on an embedded database in a temporary directory: unset "
                    + "DATABASE_URL, or serve that harness and use --target");
        }
        Path dataDir = Files.createTempDirectory("agent-harness-eval-");
        int port = freePort();
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        String apiKey = "eval-" + HexFormat.of().formatHex(secret);
        System.setProperty("harness.data-dir", dataDir.toString());
        System.setProperty("quarkus.http.host", "127.0.0.1");
        System.setProperty("quarkus.http.port", Integer.toString(port));
        System.setProperty("harness.api-keys", "eval:" + apiKey);
        job = new Job(cli, plan, URI.create("http://127.0.0.1:" + port), apiKey);
        int[] exitCode = {HarnessCli.FAILED};
        try {
            Quarkus.run(Application.class, (code, failure) -> {
                if (failure != null) {
                    cli.err().println("error: the in-process harness failed: " + failure);
                }
                exitCode[0] = failure != null ? HarnessCli.FAILED : code;
            });
        } finally {
            job = null;
            deleteQuietly(dataDir);
        }
        return exitCode[0];
    }

    /** Run by Quarkus once the harness is up; its answer is the process's exit code. */
    public static final class Application implements QuarkusApplication {

        @Override
        public int run(String... args) throws Exception {
            Job current = job;
            HarnessClient client = new HarnessClient(current.url(), current.apiKey());
            return current.plan().execute(current.cli(), new HttpRunTarget(client, current.plan().runTimeout(),
                            current.plan().agentVersion()),
                    "in-process (" + current.url() + ")");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank();
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // A temporary directory left behind is harmless.
        }
    }
}
