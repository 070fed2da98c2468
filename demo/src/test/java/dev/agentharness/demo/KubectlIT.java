package dev.agentharness.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's kubectl steps with a real kubectl (Debian's {@code kubernetes-client}, extracted to
 * {@code .tools/kubectl} by {@code .ci/run}) against the embedded API server, with a private
 * kubeconfig, while the packaged harness and operator run: apply the CRDs and the examples, see the
 * AgentRuns by short name, read the reply with jsonpath, {@code kubectl wait} on the condition,
 * delete.
 *
 * <p>The embedded API server streams watches only over WebSocket (the fabric8 client's way), not
 * kubectl's chunked HTTP ({@code get -w}, {@code wait} on a condition that does not hold yet and
 * {@code delete} without {@code --wait=false} answer 400), so this test polls with
 * {@code kubectl get} until the run finished and then lets {@code kubectl wait} evaluate the
 * condition; on a cluster {@code kubectl wait} also blocks until it holds.
 */
class KubectlIT {

    private static final String NS = "kubectl-e2e";
    static DemoEnvironment environment;
    static Path kubectl;

    @BeforeAll
    static void start() {
        kubectl = locate().orElse(null);
        if (kubectl == null) {
            String hint = "kubectl 1.20 (Debian kubernetes-client) not found at .tools/kubectl/usr/bin/kubectl or $KUBECTL; "
                    + ".ci/run extracts it (apt-get download kubernetes-client && dpkg-deb -x …)";
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(hint);
            }
            Assumptions.abort(hint);
        }
        environment = SharedEnvironment.get();
    }

    static Optional<Path> locate() {
        String configured = System.getenv("KUBECTL");
        Path candidate = configured != null ? Path.of(configured) : Path.of(".tools/kubectl/usr/bin/kubectl");
        return Files.isExecutable(candidate) ? Optional.of(candidate.toAbsolutePath()) : Optional.empty();
    }

    record Result(int exitCode, String output) {
    }

    static Result kubectl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(kubectl.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().put("KUBECONFIG", environment.kubeconfig().toString());
        builder.environment().put("HOME", environment.kubeconfig().getParent().toString());
        builder.environment().put("PATH", "/usr/bin:/bin");
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "kubectl " + String.join(" ", args) + " hung");
        return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }

    static String ok(String... args) throws IOException, InterruptedException {
        Result result = kubectl(args);
        assertEquals(0, result.exitCode(), "kubectl " + String.join(" ", args) + ":\n" + result.output());
        return result.output();
    }

    static void awaitCondition(String resource, String type) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
        String jsonpath = "jsonpath={.status.conditions[?(@.type==\"" + type + "\")].status}";
        while (!ok("get", resource, "-n", NS, "-o", jsonpath).equals("True")) {
            assertTrue(Instant.now().isBefore(deadline), resource + " never got " + type + "=True: "
                    + ok("get", resource, "-n", NS, "-o", "yaml"));
            Thread.sleep(500);
        }
    }

    @Test
    void theReadmeStepsWorkWithARealKubectl() throws Exception {
        assertTrue(ok("version", "--client").contains("v1.20"), "Debian's kubectl");
        String crds = ok("apply", "--validate=false", "-f", "crds/generated/");
        assertTrue(crds.contains("customresourcedefinition.apiextensions.k8s.io/agentruns.agentharness.dev"), crds);
        assertTrue(ok("get", "crd", "-o", "name").contains("sandboxmanifests.agentharness.dev"));

        String applied = ok("apply", "--validate=false", "-n", NS, "-f", "examples/agentrun-maya.yaml",
                "-f", "examples/sandboxmanifest-notes.yaml");
        assertTrue(applied.contains("agentrun.agentharness.dev/maya-card-declined created"), applied);
        assertTrue(applied.contains("sandboxmanifest.agentharness.dev/notes created"), applied);

        assertEquals("agentrun.agentharness.dev/maya-card-declined\n", ok("get", "ar", "-n", NS, "-o", "name"),
                "the short name ar");
        assertTrue(ok("get", "agentharness", "-n", NS, "-o", "name").contains("sandboxmanifest.agentharness.dev/notes"),
                "the category agentharness");

        awaitCondition("ar/maya-card-declined", "Succeeded");
        String waited = ok("wait", "--for=condition=Succeeded", "-n", NS, "ar/maya-card-declined", "--timeout=60s");
        assertTrue(waited.contains("agentrun.agentharness.dev/maya-card-declined condition met"), waited);
        String reply = ok("get", "ar", "maya-card-declined", "-n", NS, "-o", "jsonpath={.status.reply}");
        assertTrue(reply.startsWith("Hi Jonas") && reply.contains("Maya"), reply);
        assertEquals("Succeeded", ok("get", "ar", "maya-card-declined", "-n", NS, "-o",
                "jsonpath={.status.conditions[?(@.type==\"Succeeded\")].reason}"));

        awaitCondition("sbm/notes", "Ready");
        assertEquals("Valid", ok("get", "sbm", "notes", "-n", NS, "-o", "jsonpath={.status.conditions[0].reason}"));
        assertTrue(ok("get", "sbm", "notes", "-n", NS, "-o", "jsonpath={.status.digest}").matches("sha256:[0-9a-f]{64}"));

        // --wait=false: kubectl would watch for the deletion over plain HTTP (see the class comment); poll instead.
        assertTrue(ok("delete", "ar", "maya-card-declined", "-n", NS, "--wait=false").contains("deleted"));
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (!ok("get", "ar", "-n", NS, "-o", "name").isBlank()) {
            assertTrue(Instant.now().isBefore(deadline), "the finalizer never let the AgentRun go");
            Thread.sleep(500);
        }
    }
}
