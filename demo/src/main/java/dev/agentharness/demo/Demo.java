package dev.agentharness.demo;

import dev.agentharness.crds.v1alpha1.AgentRun;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code make demo}: the product end to end on embedded defaults — no cluster, no key, no cloud.
 * Starts a {@link DemoEnvironment}, applies the AgentRuns and SandboxManifests of {@code examples/},
 * waits until every AgentRun's {@code Succeeded} condition is True or False, and prints them.
 *
 * <pre>
 * java -cp 'demo/target/demo.jar:demo/target/lib/*' dev.agentharness.demo.Demo [--keep] [--timeout-seconds N]
 * </pre>
 * {@code --keep} leaves everything running afterwards (Ctrl-C stops it) and prints the
 * {@code KUBECONFIG} to use with kubectl. Exit code 0 when every AgentRun succeeded, 1 when one
 * did not, 2 when the environment could not start.
 */
public final class Demo {

    /** Held strongly: java.util.logging keeps loggers weakly, and a collected one forgets its level. */
    private static final java.util.logging.Logger MOCK_SERVER_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    private Demo() {
    }

    public static void main(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        // The embedded API server logs every request at INFO through java.util.logging: keep the demo's output readable.
        MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
        boolean keep = false;
        Duration timeout = Duration.ofSeconds(240);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--keep" -> keep = true;
                case "--timeout-seconds" -> timeout = Duration.ofSeconds(Long.parseLong(args[++i]));
                default -> {
                    System.err.println("usage: Demo [--keep] [--timeout-seconds N]");
                    System.exit(2);
                }
            }
        }
        System.exit(run(DemoEnvironment.Settings.fromEnvironment(Path.of("").toAbsolutePath()), keep, timeout));
    }

    static int run(DemoEnvironment.Settings settings, boolean keep, Duration timeout) {
        say(settings.openAiKey().isPresent()
                ? "model: the real OpenAI API (OPENAI_API_KEY is set)"
                : "model: the FAKE model server (scripted, offline; not a real model) - set OPENAI_API_KEY for the real one");
        say(settings.sandbox() ? "sandbox: local (bubblewrap)"
                : "sandbox: none (bwrap is not installed; Linux only: apt-get install bubblewrap) - AgentRuns that need one are skipped");
        DemoEnvironment environment;
        try {
            say("starting: an embedded Kubernetes API server, the harness (embedded PostgreSQL) and the operator ...");
            environment = DemoEnvironment.start(settings);
        } catch (RuntimeException e) {
            System.err.println("the demo could not start: " + e.getMessage());
            return 2;
        }
        try {
            say("API server " + environment.apiServerUrl() + ", harness " + environment.harnessUrl()
                    + "; logs in " + environment.settings().work().resolve("logs"));
            List<HasMetadata> examples = environment.examples();
            environment.apply(examples);
            for (HasMetadata resource : examples) {
                say("applied " + resource.getKind().toLowerCase() + "/" + resource.getMetadata().getName());
            }
            List<AgentRun> runs = awaitFinished(environment, timeout);
            System.out.println();
            System.out.print(AgentRunReport.render(runs));
            System.out.println();
            boolean allSucceeded = !runs.isEmpty() && runs.stream().allMatch(run -> AgentRunReport.succeeded(run)
                    .map(c -> "True".equals(c.getStatus())).orElse(false));
            if (keep) {
                say("still running (Ctrl-C to stop). Try:");
                say("  export KUBECONFIG=" + environment.kubeconfig());
                say("  kubectl get agentruns -o yaml      # this API server prints no custom columns and streams no watches");
                say("  curl -H \"Authorization: Bearer $(cat " + environment.tokenFile() + ")\" "
                        + environment.harnessUrl() + "/runs/<runId>");
                Runtime.getRuntime().addShutdownHook(new Thread(environment::close));
                awaitForever();
            }
            return allSucceeded ? 0 : 1;
        } finally {
            if (!keep) {
                environment.close();
            }
        }
    }

    /** Polls the AgentRuns until every one is finished or the time is up, printing each transition once. */
    static List<AgentRun> awaitFinished(DemoEnvironment environment, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        java.util.Map<String, String> seen = new java.util.HashMap<>();
        while (true) {
            List<AgentRun> runs = environment.client().resources(AgentRun.class).inNamespace(DemoEnvironment.NAMESPACE)
                    .list().getItems().stream().sorted(Comparator.comparing(r -> r.getMetadata().getName())).toList();
            for (AgentRun run : runs) {
                String state = AgentRunReport.succeeded(run).map(c -> c.getStatus() + " (" + c.getReason() + ")")
                        .orElse("Unknown (not seen yet)");
                if (!state.equals(seen.put(run.getMetadata().getName(), state))) {
                    say("agentrun/" + run.getMetadata().getName() + ": Succeeded=" + state);
                }
            }
            if (!runs.isEmpty() && runs.stream().allMatch(AgentRunReport::finished)) {
                return runs;
            }
            if (Instant.now().isAfter(deadline)) {
                say("gave up waiting after " + timeout.toSeconds() + " s; see the logs");
                return runs;
            }
            ServiceProcess.sleep(Duration.ofMillis(500));
        }
    }

    private static void awaitForever() {
        try {
            new CountDownLatch(1).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void say(String line) {
        System.out.println("demo: " + line);
    }
}
