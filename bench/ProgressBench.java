import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.fakes.FakeModelServer;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Benchmark for the operator's progress tracking (docs/benchmarks.md): how should one operator
 * follow 1,000 harness runs — one bulk {@code GET /runs?updated_since=} per poll, or one
 * {@code GET /runs/{id}} per AgentRun per poll (JOSDK's PerResourcePollingEventSource)?
 *
 * <p>Against the REAL packaged harness (embedded PostgreSQL) and the FAKE model server, both
 * strategies poll every {@code period} exactly as the operator would, in two situations:
 * <ol>
 *   <li><b>steady state</b>: 1,000 runs in flight, all waiting on a slow model call; each strategy
 *       polls for a fixed window (plus a window without polling as the baseline): requests, bytes,
 *       harness CPU;</li>
 *   <li><b>completion</b>: 1,000 runs that finish within seconds; each strategy follows its own
 *       batch until every run is seen finished: requests, bytes, harness CPU and the detection lag
 *       (observed − the harness's completed_at).</li>
 * </ol>
 */
public class ProgressBench {

    static final ObjectMapper JSON = new ObjectMapper();
    static final int PAGE = 500;
    static final int PER_RESOURCE_CONCURRENCY = 64;

    record Window(String name, long requests, long bytes, double harnessCpuSeconds, double seconds, List<Double> lagMs) {
    }

    public static void main(String[] args) throws Exception {
        int runs = Integer.parseInt(args.length > 0 ? args[0] : "1000");
        Duration period = Duration.ofMillis(Long.parseLong(args.length > 1 ? args[1] : "2000"));
        Duration window = Duration.ofSeconds(Long.parseLong(args.length > 2 ? args[2] : "20"));
        Path dataDir = Files.createTempDirectory(Path.of("/tmp"), "progress-bench-data-");
        Path log = Files.createTempFile(Path.of("/tmp"), "progress-bench-harness-", ".log");

        try (FakeModelServer model = new FakeModelServer().start(0)) {
            model.responder(FakeModelServer.mayaDemo());
            int port = freePort();
            ProcessBuilder builder = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                    "-Djava.io.tmpdir=/tmp", "-jar", "harness-runtime/target/quarkus-app/quarkus-run.jar")
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            Map<String, String> env = builder.environment();
            env.put("PORT", Integer.toString(port));
            env.put("HARNESS_DATA_DIR", dataDir.toString());
            env.put("OPENAI_API_KEY", "bench-fake-key");
            env.put("OPENAI_BASE_URL", model.baseUrl());
            env.put("MODEL_TIMEOUT_SECONDS", "600");
            Process harness = builder.start();
            String base = "http://127.0.0.1:" + port;
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            List<Window> results = new ArrayList<>();
            try {
                awaitReady(http, base, harness, log);
                model.latency(Duration.ofMillis(200));
                followBulk(http, base, submit(http, base, 200, "warm-up"), period, harness.pid(), "warm-up");

                // 1. steady state: every run waits on a model call longer than the three windows together.
                model.latency(window.multipliedBy(5));
                submit(http, base, runs, "steady");
                Thread.sleep(5000); // all claimed and waiting on the model
                results.add(idle(window, harness.pid()));
                results.add(pollBulkFor(http, base, window, period, harness.pid()));
                results.add(pollEachFor(http, base, window, period, harness.pid()));

                // 2. completion: a fresh batch per strategy, each run done in ~3 model calls of 1 s.
                model.latency(Duration.ofSeconds(1));
                results.add(followBulk(http, base, submit(http, base, runs, "bulk"), period, harness.pid(),
                        "completion, bulk"));
                results.add(followEach(http, base, submit(http, base, runs, "each"), period, harness.pid()));
            } finally {
                harness.destroy();
                harness.waitFor();
            }
            print(runs, period, results);
            System.out.printf("%nharness log: %s%n", log);
        }
    }

    // ---- the two strategies ----

    /** One GET /runs?updated_since= per period (paging through a backlog), as HarnessRunFeed does. */
    static Window pollBulkFor(HttpClient http, String base, Duration window, Duration period, long pid) throws Exception {
        // A running operator's cursor is caught up: drain the backlog first, outside the measured window.
        String cursor = drain(http, base, OffsetDateTime.now().minusMinutes(5).toString(),
                new Counter(ProcessHandle.current().pid()), (id, run) -> { });
        Counter counter = new Counter(pid);
        Instant end = Instant.now().plus(window);
        while (Instant.now().isBefore(end)) {
            Instant tick = Instant.now();
            cursor = drain(http, base, cursor, counter, (id, run) -> { });
            sleepUntil(tick.plus(period));
        }
        return counter.window("steady, bulk GET /runs?updated_since", null);
    }

    /** One GET /runs/{id} per tracked run per period, as a PerResourcePollingEventSource would. */
    static Window pollEachFor(HttpClient http, String base, Duration window, Duration period, long pid) throws Exception {
        List<String> ids = inFlight(http, base);
        Counter counter = new Counter(pid);
        Instant end = Instant.now().plus(window);
        while (Instant.now().isBefore(end)) {
            Instant tick = Instant.now();
            sweep(http, base, ids, counter, (id, run) -> { });
            sleepUntil(tick.plus(period));
        }
        return counter.window("steady, per-run GET /runs/{id} (" + ids.size() + " runs)", null);
    }

    static Window idle(Duration window, long pid) throws Exception {
        Counter counter = new Counter(pid);
        Thread.sleep(window.toMillis());
        return counter.window("steady, no polling (baseline)", null);
    }

    static Window followBulk(HttpClient http, String base, List<String> ids, Duration period, long pid, String name)
            throws Exception {
        Counter counter = new Counter(pid);
        Set<String> wanted = new HashSet<>(ids);
        Map<String, Double> lag = new ConcurrentHashMap<>();
        String cursor = OffsetDateTime.now().minusMinutes(1).toString();
        Instant deadline = Instant.now().plus(Duration.ofMinutes(10));
        while (lag.size() < wanted.size() && Instant.now().isBefore(deadline)) {
            Instant tick = Instant.now();
            cursor = drain(http, base, cursor, counter, (id, run) -> {
                if (wanted.contains(id) && terminal(run)) {
                    lag.computeIfAbsent(id, k -> lagMs(run));
                }
            });
            sleepUntil(tick.plus(period));
        }
        return counter.window(name, new ArrayList<>(lag.values()));
    }

    static Window followEach(HttpClient http, String base, List<String> ids, Duration period, long pid) throws Exception {
        Counter counter = new Counter(pid);
        Map<String, Double> lag = new ConcurrentHashMap<>();
        List<String> pending = new ArrayList<>(ids);
        Instant deadline = Instant.now().plus(Duration.ofMinutes(10));
        while (!pending.isEmpty() && Instant.now().isBefore(deadline)) {
            Instant tick = Instant.now();
            sweep(http, base, pending, counter, (id, run) -> {
                if (terminal(run)) {
                    lag.computeIfAbsent(id, k -> lagMs(run));
                }
            });
            pending.removeIf(lag::containsKey);
            sleepUntil(tick.plus(period));
        }
        return counter.window("completion, per-run", new ArrayList<>(lag.values()));
    }

    interface Sink {
        void accept(String runId, JsonNode run);
    }

    static String drain(HttpClient http, String base, String cursor, Counter counter, Sink sink) throws Exception {
        while (true) {
            String body = get(http, base + "/runs?limit=" + PAGE + "&updated_since=" + URLEncoder.encode(cursor,
                    StandardCharsets.UTF_8), counter);
            JsonNode page = JSON.readTree(body);
            for (JsonNode run : page.path("runs")) {
                sink.accept(run.path("run_id").asText(), run);
            }
            if (!page.path("next_updated_since").isNull()) {
                cursor = page.path("next_updated_since").asText();
            }
            if (page.path("runs").size() < PAGE) {
                return cursor;
            }
        }
    }

    static void sweep(HttpClient http, String base, List<String> ids, Counter counter, Sink sink) throws Exception {
        Semaphore inFlight = new Semaphore(PER_RESOURCE_CONCURRENCY);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String id : ids) {
                inFlight.acquire();
                pool.submit(() -> {
                    try {
                        sink.accept(id, JSON.readTree(get(http, base + "/runs/" + id, counter)));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    } finally {
                        inFlight.release();
                    }
                    return null;
                });
            }
        }
    }

    // ---- plumbing ----

    /** Requests, response bytes and harness CPU over one measured window. */
    static final class Counter {
        final long pid;
        final long cpuBefore;
        final Instant start = Instant.now();
        final AtomicLong requests = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();

        Counter(long pid) throws IOException {
            this.pid = pid;
            this.cpuBefore = cpuTicks(pid);
        }

        Window window(String name, List<Double> lag) throws IOException {
            return new Window(name, requests.get(), bytes.get(), (cpuTicks(pid) - cpuBefore) / 100.0,
                    Duration.between(start, Instant.now()).toMillis() / 1000.0, lag);
        }
    }

    static String get(HttpClient http, String url, Counter counter) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        counter.requests.incrementAndGet();
        counter.bytes.addAndGet(response.body().length());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    static List<String> inFlight(HttpClient http, String base) throws Exception {
        Set<String> ids = new java.util.LinkedHashSet<>(); // pages overlap by design: the same run comes twice
        Counter ignored = new Counter(ProcessHandle.current().pid());
        drain(http, base, OffsetDateTime.now().minusHours(1).toString(), ignored, (id, run) -> {
            if (!terminal(run)) {
                ids.add(id);
            }
        });
        return new ArrayList<>(ids);
    }

    static List<String> submit(HttpClient http, String base, int runs, String label) throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<String>> futures = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                int n = i;
                futures.add(pool.submit(() -> {
                    String body = JSON.writeValueAsString(JSON.createObjectNode()
                            .put("message", label + " " + n + " ACME-100" + (1 + n % 5)));
                    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/runs"))
                            .header("Content-Type", "application/json").header("Prefer", "respond-async")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() != 202) {
                        throw new IllegalStateException("POST /runs answered " + response.statusCode());
                    }
                    return JSON.readTree(response.body()).path("run_id").asText();
                }));
            }
            List<String> ids = new ArrayList<>();
            for (Future<String> f : futures) {
                ids.add(f.get());
            }
            return ids;
        }
    }

    static boolean terminal(JsonNode run) {
        String status = run.path("status").asText();
        return !status.equals("queued") && !status.equals("running");
    }

    static double lagMs(JsonNode run) {
        return Duration.between(OffsetDateTime.parse(run.path("completed_at").asText()).toInstant(), Instant.now())
                .toNanos() / 1e6;
    }

    static void sleepUntil(Instant when) throws InterruptedException {
        long millis = Duration.between(Instant.now(), when).toMillis();
        if (millis > 0) {
            Thread.sleep(millis);
        }
    }

    static void print(int runs, Duration period, List<Window> results) {
        System.out.println();
        System.out.printf("%d runs, poll period %d ms%n%n", runs, period.toMillis());
        System.out.println("| situation, strategy | window (s) | requests | requests/s | MiB received | harness CPU-s "
                + "| harness CPU (% of a core) | all seen finished | detection lag p50 / p99 / max (ms) |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---|---|");
        for (Window w : results) {
            String lag = w.lagMs() == null ? "—" : String.format("%.0f / %.0f / %.0f", percentile(w.lagMs(), 50),
                    percentile(w.lagMs(), 99), percentile(w.lagMs(), 100));
            String seen = w.lagMs() == null ? "—" : w.lagMs().size() + " of " + (w.name().startsWith("warm") ? 200 : runs);
            System.out.printf("| %s | %.1f | %d | %.1f | %.2f | %.2f | %.1f | %s | %s |%n", w.name(), w.seconds(),
                    w.requests(), w.requests() / w.seconds(), w.bytes() / 1048576.0, w.harnessCpuSeconds(),
                    100 * w.harnessCpuSeconds() / w.seconds(), seen, lag);
        }
    }

    static double percentile(List<Double> values, int p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
    }

    static void awaitReady(HttpClient http, String base, Process harness, Path log) throws Exception {
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

    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
