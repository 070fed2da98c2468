import com.fasterxml.jackson.databind.JsonNode;
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
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Benchmark: N concurrent asynchronous runs of the built-in agent "maya" (lookup_account →
 * draft_reply → answer: three model calls) against the packaged harness on its embedded
 * PostgreSQL, with the FAKE model answering every call after a fixed latency.
 *
 * <p>Prints one table: wall time until the last run ended, harness overhead per run (the run's
 * own created→completed time, from the harness's timestamps, minus the model time it spent
 * waiting: calls × latency), CPU-seconds the harness process used per run, CPU-seconds its embedded
 * PostgreSQL (postmaster and backends) used per run, and the harness's peak RSS.
 *
 * <p>{@code HARNESS_JAR} picks another packaged harness (default: this checkout's), so
 * {@code bench/journal.sh} can measure a build of an older commit on the same machine.
 */
public class Bench {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        int runs = Integer.parseInt(args[0]);
        Duration latency = Duration.ofMillis(Long.parseLong(args[1]));
        Path dataDir = Files.createTempDirectory(Path.of("/tmp"), "bench-data-");
        Path log = Files.createTempFile(Path.of("/tmp"), "bench-harness-", ".log");
        String jar = System.getenv().getOrDefault("HARNESS_JAR", "harness-runtime/target/quarkus-app/quarkus-run.jar");

        try (FakeModelServer model = new FakeModelServer().start(0)) {
            model.latency(latency).responder(FakeModelServer.mayaDemo());
            int port = freePort();
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "-Djava.io.tmpdir=/tmp"));
            // The image's JVM options (deploy/docker/harness.Dockerfile: C1 only), unless HARNESS_JAVA_OPTIONS says otherwise.
            command.addAll(List.of(System.getenv().getOrDefault("HARNESS_JAVA_OPTIONS", "-XX:TieredStopAtLevel=1")
                    .trim().split("\\s+")));
            command.addAll(List.of("-jar", jar));
            command.removeIf(String::isEmpty);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            Map<String, String> env = builder.environment();
            env.put("PORT", Integer.toString(port));
            env.put("HARNESS_DATA_DIR", dataDir.toString());
            env.put("OPENAI_API_KEY", "bench-fake-key");
            env.put("OPENAI_BASE_URL", model.baseUrl());
            env.put("MODEL_TIMEOUT_SECONDS", "120");
            Instant launched = Instant.now();
            Process harness = builder.start();
            String base = "http://127.0.0.1:" + port;
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            try {
                awaitReady(http, base, harness, log);
                Duration startup = Duration.between(launched, Instant.now());
                long cpuAtReady = cpuTicks(harness.pid());
                // Warm-up: class loading and the JIT's first compilations should not count as overhead.
                int warmUp = Math.min(200, runs);
                OffsetDateTime warmUpSince = OffsetDateTime.now().minusSeconds(1);
                awaitAll(http, base, submitConcurrently(http, base, warmUp), warmUpSince);
                long cpuAfterWarmUp = cpuTicks(harness.pid());
                double warmUpCpuSeconds = (cpuAfterWarmUp - cpuAtReady) / 100.0;
                // The same batch again, warm: the fair baseline for "the first runs after start" (same size, same load).
                OffsetDateTime againSince = OffsetDateTime.now().minusSeconds(1);
                awaitAll(http, base, submitConcurrently(http, base, warmUp), againSince);
                double warmBatchCpuSeconds = (cpuTicks(harness.pid()) - cpuAfterWarmUp) / 100.0;
                model.clear();

                long cpuBefore = cpuTicks(harness.pid());
                long databaseCpuBefore = databaseCpuTicks(dataDir);
                OffsetDateTime since = OffsetDateTime.now();
                Instant start = Instant.now();
                List<String> ids = submitConcurrently(http, base, runs);
                Instant submitted = Instant.now();
                Map<String, JsonNode> done = awaitAll(http, base, ids, since);
                Instant end = Instant.now();
                long cpuAfter = cpuTicks(harness.pid());
                long databaseCpuAfter = databaseCpuTicks(dataDir);
                long peakRssKb = peakRssKb(harness.pid());
                int peakModelCalls = peakInFlight(model.requests().stream().map(r -> r.receivedAt()).sorted().toList(),
                        latency);

                List<Double> overheadMs = new ArrayList<>();
                int succeeded = 0;
                for (String id : ids) {
                    JsonNode run = done.get(id);
                    if (run == null) {
                        continue;
                    }
                    if ("succeeded".equals(run.path("status").asText())) {
                        succeeded++;
                    }
                    Duration total = Duration.between(OffsetDateTime.parse(run.path("created_at").asText()),
                            OffsetDateTime.parse(run.path("completed_at").asText()));
                    overheadMs.add(total.toNanos() / 1e6 - 3 * latency.toMillis());
                }
                Collections.sort(overheadMs);
                double cpuSeconds = (cpuAfter - cpuBefore) / 100.0;
                double databaseCpuSeconds = (databaseCpuAfter - databaseCpuBefore) / 100.0;

                System.out.println();
                System.out.printf("| runs | model latency | model calls/run | succeeded | submit all (s) | last run ended (s) "
                        + "| peak model calls in flight | overhead p50 (ms) | overhead p99 (ms) | CPU-s per run | PostgreSQL CPU-s per run "
                        + "| peak RSS (MiB) |%n");
                System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
                System.out.printf("| %d | %d ms | 3 | %d | %.2f | %.2f | %d | %.0f | %.0f | %.4f | %.4f | %d |%n",
                        runs, latency.toMillis(), succeeded,
                        Duration.between(start, submitted).toMillis() / 1000.0,
                        Duration.between(start, end).toMillis() / 1000.0, peakModelCalls,
                        percentile(overheadMs, 50), percentile(overheadMs, 99),
                        cpuSeconds / runs, databaseCpuSeconds / runs, peakRssKb / 1024);
                System.out.printf("%nstart to ready: %.2f s (%.1f CPU-s); the first %d runs after start: %.1f ms CPU per run, "
                                + "%.1f× the next %d (%.1f ms), %.1f× the measured runs'%n", startup.toMillis() / 1000.0,
                        cpuAtReady / 100.0, warmUp, warmUpCpuSeconds * 1000 / warmUp, warmUpCpuSeconds / warmBatchCpuSeconds,
                        warmUp, warmBatchCpuSeconds * 1000 / warmUp, (warmUpCpuSeconds / warmUp) / (cpuSeconds / runs));
                System.out.printf("model requests served: %d; harness log: %s%n", model.requests().size(), log);
            } finally {
                harness.destroy();
                harness.waitFor();
            }
        }
    }

    private static List<String> submitConcurrently(HttpClient http, String base, int runs) throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> futures = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                int n = i;
                futures.add(pool.submit(() -> submit(http, base, "bench " + n + " ACME-100" + (1 + n % 5))));
            }
            List<String> ids = new ArrayList<>();
            for (Future<String> f : futures) {
                ids.add(f.get());
            }
            return ids;
        }
    }

    private static String submit(HttpClient http, String base, String message) throws IOException, InterruptedException {
        String body = JSON.writeValueAsString(JSON.createObjectNode().put("message", message));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/runs"))
                .header("Content-Type", "application/json").header("Prefer", "respond-async")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 202) {
            throw new IllegalStateException("POST /runs answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body()).path("run_id").asText();
    }

    /**
     * Follows the bulk status feed (GET /runs?updated_since=) until every run of `ids` is terminal.
     * Pages overlap by design (the cursor lags a few seconds), so runs are collected by id.
     */
    private static Map<String, JsonNode> awaitAll(HttpClient http, String base, List<String> ids, OffsetDateTime since)
            throws Exception {
        java.util.Set<String> wanted = new java.util.HashSet<>(ids);
        Map<String, JsonNode> terminal = new HashMap<>();
        String cursor = since.toString();
        Instant deadline = Instant.now().plus(Duration.ofMinutes(10));
        while (terminal.size() < wanted.size() && Instant.now().isBefore(deadline)) {
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(
                    base + "/runs?limit=500&updated_since=" + java.net.URLEncoder.encode(cursor, "UTF-8"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (page.statusCode() != 200) {
                throw new IllegalStateException("GET /runs answered " + page.statusCode() + ": " + page.body());
            }
            JsonNode body = JSON.readTree(page.body());
            for (JsonNode run : body.path("runs")) {
                String status = run.path("status").asText();
                if (wanted.contains(run.path("run_id").asText()) && !status.equals("queued") && !status.equals("running")) {
                    terminal.put(run.path("run_id").asText(), run);
                }
            }
            if (body.path("runs").size() < 500) {
                Thread.sleep(200);
            }
            if (!body.path("next_updated_since").isNull()) {
                cursor = body.path("next_updated_since").asText();
            }
        }
        return terminal;
    }

    private static void awaitReady(HttpClient http, String base, Process harness, Path log) throws Exception {
        for (int i = 0; i < 240; i++) {
            if (!harness.isAlive()) {
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

    /** utime + stime of a process, in clock ticks (USER_HZ = 100 on Linux). */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    /**
     * CPU ticks of the embedded PostgreSQL under {@code dataDir}: the postmaster (found by its {@code -D} argument)
     * with its reaped children (cutime + cstime) plus every live backend. The harness's pool keeps its connections,
     * so the backends that did the work are alive when this is read.
     */
    private static long databaseCpuTicks(Path dataDir) throws IOException {
        long ticks = 0;
        try (var processes = Files.list(Path.of("/proc"))) {
            for (Path proc : processes.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                String cmdline;
                try {
                    cmdline = Files.readString(proc.resolve("cmdline")).replace('\0', ' ');
                } catch (IOException gone) {
                    continue;
                }
                String program = cmdline.split(" ", 2)[0];
                // The postmaster itself, not a wrapper (unshare) whose command line names the same directory.
                if (!(program.equals("postgres") || program.endsWith("/postgres")) || !cmdline.contains(" -D ")
                        || !cmdline.contains(dataDir.toString())) {
                    continue;
                }
                long postmaster = Long.parseLong(proc.getFileName().toString());
                ticks += cpuTicks(postmaster) + reapedChildrenTicks(postmaster);
                for (ProcessHandle backend : ProcessHandle.of(postmaster).map(p -> p.descendants().toList())
                        .orElse(List.of())) {
                    try {
                        ticks += cpuTicks(backend.pid());
                    } catch (IOException gone) {
                        // exited between listing and reading: its time is in the postmaster's cutime now
                    }
                }
            }
        }
        return ticks;
    }

    /** cutime + cstime: CPU of children the process has waited for. */
    private static long reapedChildrenTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
    }

    private static long peakRssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** Most model calls open at once: each is held for exactly `latency` by the fake after it arrives. */
    private static int peakInFlight(List<Instant> arrivals, Duration latency) {
        int peak = 0;
        int first = 0;
        for (int i = 0; i < arrivals.size(); i++) {
            while (arrivals.get(first).plus(latency).isBefore(arrivals.get(i))) {
                first++;
            }
            peak = Math.max(peak, i - first + 1);
        }
        return peak;
    }

    private static double percentile(List<Double> sorted, int p) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
