import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.fakes.FakeModelServer;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Benchmark: how long after a replica's death (SIGKILL) its runs resume on another replica. Two packaged harnesses
 * share one PostgreSQL ({@code BENCH_DATABASE_URL}; {@code bench/resume.sh} starts a private one); N maya runs
 * (three model calls each, the FAKE model answering after {@code latency}) are submitted while only replica A is
 * up, so A holds all of them; then B starts, and once B is ready and A's runs are mid-conversation A is SIGKILLed.
 *
 * <p>Prints, over A's runs in flight at the kill: time from the kill to B's claim of the run (its lease epoch moves;
 * polled every 20 ms) and to the first journal step B wrote for it (the step's {@code created_at}), min/p50/p99/max,
 * and how the runs ended. The lease setting is the third argument ({@code HARNESS_RUNS_LEASE_SECONDS}).
 */
public class ResumeBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern WORKER = Pattern.compile("run worker (worker-\\S+) started");

    public static void main(String[] args) throws Exception {
        int runs = Integer.parseInt(args[0]);
        Duration latency = Duration.ofMillis(Long.parseLong(args[1]));
        String lease = args[2];
        String databaseUrl = System.getenv("BENCH_DATABASE_URL");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

        try (FakeModelServer model = new FakeModelServer().start(0)) {
            model.latency(latency).responder(FakeModelServer.mayaDemo());
            Map<String, String> env = Map.of(
                    "DATABASE_URL", databaseUrl,
                    "HARNESS_RUNS_LEASE_SECONDS", lease,
                    "OPENAI_API_KEY", "bench-fake-key",
                    "OPENAI_BASE_URL", model.baseUrl(),
                    "MODEL_TIMEOUT_SECONDS", "120");
            Replica a = Replica.start(env, "a");
            Replica b = null;
            try {
                a.awaitReady(http);
                String workerA = a.workerId();
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < runs; i++) {
                    ids.add(submit(http, a.base(), "resume bench " + i + " ACME-100" + (1 + i % 5)));
                }
                b = Replica.start(env, "b");
                b.awaitReady(http);
                // A's runs mid-conversation: every one of them has at least one journaled model response.
                awaitRows("SELECT count(*) FROM public.runs WHERE lease_owner = '" + workerA
                        + "' AND status = 'running' AND turns >= 1", runs / 2, Duration.ofSeconds(120));
                Map<String, Long> epochs = new HashMap<>();
                for (String[] row : psql("SELECT id, lease_epoch FROM public.runs WHERE status = 'running' "
                        + "AND lease_owner = '" + workerA + "'")) {
                    epochs.put(row[0], Long.parseLong(row[1]));
                }
                a.process().destroyForcibly();
                a.process().waitFor();
                Instant killedAt = Instant.now();

                Map<String, Instant> claimed = new HashMap<>();
                Instant deadline = killedAt.plus(Duration.ofMinutes(5));
                while (claimed.size() < epochs.size() && Instant.now().isBefore(deadline)) {
                    for (String[] row : psql("SELECT id, lease_epoch FROM public.runs")) {
                        Long before = epochs.get(row[0]);
                        if (before != null && Long.parseLong(row[1]) > before) {
                            claimed.putIfAbsent(row[0], Instant.now());
                        }
                    }
                    Thread.sleep(20);
                }
                awaitRows("SELECT count(*) FROM public.runs WHERE status IN ('succeeded', 'failed', 'cancelled', "
                        + "'timed_out')", ids.size(), Duration.ofMinutes(5));

                Map<String, Instant> firstStep = new HashMap<>();
                for (String[] row : psql("SELECT run_id, epoch, (extract(epoch FROM created_at) * 1000)::bigint "
                        + "FROM public.run_steps ORDER BY run_id, seq")) {
                    Long before = epochs.get(row[0]);
                    if (before != null && Long.parseLong(row[1]) > before) {
                        firstStep.putIfAbsent(row[0], Instant.ofEpochMilli(Long.parseLong(row[2])));
                    }
                }
                Map<String, Integer> outcomes = new HashMap<>();
                for (String[] row : psql("SELECT status, coalesce(reason, '') FROM public.runs")) {
                    outcomes.merge(row[0] + (row[1].isEmpty() ? "" : " " + row[1]), 1, Integer::sum);
                }

                System.out.printf("%n| runs on the killed replica | lease (s) | model latency | claimed by the other "
                        + "replica | kill → claim p50 / p99 / max (s) | kill → first resumed step p50 / p99 / max (s) "
                        + "| outcomes (all %d runs) |%n", ids.size());
                System.out.println("|---:|---:|---:|---:|---|---|---|");
                System.out.printf("| %d | %s | %d ms | %d | %s | %s | %s |%n", epochs.size(), lease, latency.toMillis(),
                        claimed.size(), spread(killedAt, claimed), spread(killedAt, firstStep), outcomes);
                System.out.printf("%nfirst claim after %.2f s; logs: %s, %s%n",
                        seconds(killedAt, Collections.min(claimed.values())), a.log(), b.log());
            } finally {
                a.process().destroyForcibly();
                if (b != null) {
                    b.process().destroy();
                    b.process().waitFor();
                }
            }
        }
    }

    private record Replica(Process process, String base, Path log) {

        static Replica start(Map<String, String> env, String name) throws IOException {
            int port = freePort();
            Path log = Files.createTempFile(Path.of("/tmp"), "bench-resume-" + name + "-", ".log");
            Path data = Files.createTempDirectory(Path.of("/tmp"), "bench-resume-data-");
            ProcessBuilder builder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                    "-Djava.io.tmpdir=/tmp", "-jar", "harness-runtime/target/quarkus-app/quarkus-run.jar")
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(env);
            builder.environment().put("PORT", Integer.toString(port));
            builder.environment().put("HARNESS_DATA_DIR", data.toString());
            return new Replica(builder.start(), "http://127.0.0.1:" + port, log);
        }

        void awaitReady(HttpClient http) throws Exception {
            for (int i = 0; i < 480; i++) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("harness exited:\n" + Files.readString(log));
                }
                try {
                    if (http.send(HttpRequest.newBuilder(URI.create(base + "/q/health/ready")).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        return;
                    }
                } catch (IOException notYet) {
                    // starting
                }
                Thread.sleep(250);
            }
            throw new IllegalStateException("harness not ready:\n" + Files.readString(log));
        }

        String workerId() throws IOException {
            Matcher matcher = WORKER.matcher(Files.readString(log));
            if (!matcher.find()) {
                throw new IllegalStateException("no worker id in " + log);
            }
            return matcher.group(1);
        }
    }

    private static String submit(HttpClient http, String base, String message) throws Exception {
        String body = JSON.writeValueAsString(JSON.createObjectNode().put("message", message));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/runs"))
                .header("Content-Type", "application/json").header("Prefer", "respond-async")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202) {
            throw new IllegalStateException("POST /runs answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body()).path("run_id").asText();
    }

    private static void awaitRows(String countQuery, int atLeast, Duration timeout) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        while (Integer.parseInt(psql(countQuery).getFirst()[0]) < atLeast) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("timed out waiting for " + atLeast + ": " + countQuery);
            }
            Thread.sleep(50);
        }
    }

    /** Runs one query with the psql command line in {@code BENCH_PSQL}; rows split on '|'. */
    private static List<String[]> psql(String sql) throws Exception {
        List<String> command = new ArrayList<>(List.of(System.getenv("BENCH_PSQL").split(" ")));
        command.add(sql);
        Process psql = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(psql.getInputStream().readAllBytes());
        if (psql.waitFor() != 0) {
            throw new IllegalStateException("psql: " + output);
        }
        List<String[]> rows = new ArrayList<>();
        for (String line : output.split("\n")) {
            if (!line.isBlank()) {
                rows.add(line.split("\\|", -1));
            }
        }
        return rows;
    }

    private static String spread(Instant from, Map<String, Instant> times) {
        List<Double> seconds = new ArrayList<>(times.values().stream().map(t -> seconds(from, t)).toList());
        if (seconds.isEmpty()) {
            return "—";
        }
        Collections.sort(seconds);
        return String.format("%.2f / %.2f / %.2f", percentile(seconds, 50), percentile(seconds, 99), seconds.getLast());
    }

    private static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toMillis() / 1000.0;
    }

    private static double percentile(List<Double> sorted, int p) {
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
