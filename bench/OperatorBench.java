import dev.agentharness.crds.v1alpha1.AgentRun;
import dev.agentharness.crds.v1alpha1.AgentRunSpec;
import dev.agentharness.demo.DemoEnvironment;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator benchmark of docs/benchmarks.md (issue 15): the packaged operator and harness of
 * {@code make demo} (embedded API server, embedded PostgreSQL, FAKE model), driven as a user would
 * with many AgentRuns of agent maya.
 *
 * <ol>
 *   <li><b>cold</b> and <b>warm</b>: N AgentRuns created (8 clients in parallel, as {@code kubectl
 *       apply} of many files would), timed from the first create to the last {@code Succeeded=True};
 *       the API writes the operator made for them, by kind;</li>
 *   <li><b>backlog</b>: the operator stopped, N AgentRuns created, the operator started: time from its
 *       start to the first and to the last {@code Succeeded}, and how many AgentRuns were already
 *       submitted when the first finished one was written (finished runs must not wait behind
 *       every pending submission);</li>
 *   <li><b>heap</b>: more AgentRuns until the operator's cache holds {@code cached} of them, then the
 *       operator's heap after a full GC ({@code jcmd GC.run}, {@code GC.heap_info}) and its RSS.</li>
 * </ol>
 *
 * <pre>bench/operator.sh [runs-per-round] [cached]</pre>
 */
public class OperatorBench {

    static final String NAMESPACE = DemoEnvironment.NAMESPACE;
    static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");
    /** Held strongly (java.util.logging keeps loggers weakly): the embedded API server logs every request at INFO. */
    static final java.util.logging.Logger MOCK_SERVER_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    record Round(String name, int runs, double seconds, double firstSucceededSeconds, int submittedAtFirstSucceeded,
                 int failed, Map<String, Integer> writes, Map<String, Double> cpu) {
    }

    /** CPU seconds (user + system) so far of the API server (this JVM), the operator, the harness and its PostgreSQL. */
    static Map<String, Double> cpu(DemoEnvironment environment) {
        Map<String, Double> cpu = new java.util.LinkedHashMap<>();
        cpu.put("API server", cpuSeconds(ProcessHandle.current().pid()));
        cpu.put("operator", cpuSeconds(environment.operator().pid()));
        cpu.put("harness", cpuSeconds(environment.harness().pid()));
        cpu.put("PostgreSQL", ProcessHandle.of(environment.harness().pid()).stream().flatMap(ProcessHandle::descendants)
                .mapToDouble(p -> cpuSeconds(p.pid())).sum());
        return cpu;
    }

    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0; // utime, stime in USER_HZ
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }

    static Map<String, Double> minus(Map<String, Double> after, Map<String, Double> before) {
        Map<String, Double> spent = new java.util.LinkedHashMap<>();
        after.forEach((process, seconds) -> spent.put(process, seconds - before.getOrDefault(process, 0.0)));
        return spent;
    }

    /** Succeeded=True/False times (ms since the epoch) and submission times by AgentRun name, from a watch. */
    static final class Watcher implements ResourceEventHandler<AgentRun> {
        final Map<String, Long> succeeded = new ConcurrentHashMap<>();
        final Map<String, Long> failed = new ConcurrentHashMap<>();
        final Map<String, Long> submitted = new ConcurrentHashMap<>();

        @Override
        public void onAdd(AgentRun run) {
            see(run);
        }

        @Override
        public void onUpdate(AgentRun before, AgentRun after) {
            see(after);
        }

        @Override
        public void onDelete(AgentRun run, boolean unknown) {
        }

        private void see(AgentRun run) {
            if (run.getStatus() == null) {
                return;
            }
            long now = System.currentTimeMillis();
            String name = run.getMetadata().getName();
            if (run.getStatus().getRunId() != null) {
                submitted.putIfAbsent(name, now);
            }
            run.getStatus().condition("Succeeded").ifPresent(c -> {
                if ("True".equals(c.getStatus())) {
                    succeeded.putIfAbsent(name, now);
                } else if ("False".equals(c.getStatus())) {
                    failed.putIfAbsent(name, now);
                }
            });
        }

        int finished(List<String> names) {
            int count = 0;
            for (String name : names) {
                if (succeeded.containsKey(name) || failed.containsKey(name)) {
                    count++;
                }
            }
            return count;
        }
    }

    public static void main(String[] args) throws Exception {
        MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int cached = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        Path root = Path.of("").toAbsolutePath();
        DemoEnvironment.Settings settings = new DemoEnvironment.Settings(root, root.resolve("data/bench-operator"),
                Optional.empty(), Optional.empty(), Optional.empty(), false);
        System.out.println("starting the embedded API server, the harness (embedded PostgreSQL, FAKE model) and the operator ...");
        try (DemoEnvironment environment = DemoEnvironment.start(settings)) {
            KubernetesClient client = environment.client();
            Watcher watcher = new Watcher();
            SharedIndexInformer<AgentRun> informer = client.resources(AgentRun.class).inNamespace(NAMESPACE).inform(watcher);
            List<Round> rounds = new ArrayList<>();
            int created = 0;
            rounds.add(round("cold", environment, watcher, created, runs, false));
            created += runs;
            rounds.add(round("warm", environment, watcher, created, runs, false));
            created += runs;
            rounds.add(round("backlog (operator started after the creates)", environment, watcher, created, runs, true));
            created += runs;
            print(rounds);
            if (cached > created) {
                System.out.printf("%ncreating %,d more AgentRuns so that the operator caches %,d ...%n", cached - created, cached);
                while (created < cached) {
                    int batch = Math.min(runs, cached - created);
                    round("fill", environment, watcher, created, batch, false);
                    created += batch;
                }
            }
            heap(environment, created);
            informer.close();
        }
    }

    static Round round(String name, DemoEnvironment environment, Watcher watcher, int offset, int runs, boolean backlog)
            throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            names.add("bench-" + (offset + i));
        }
        environment.apiServer().takeRequests();
        if (backlog) {
            environment.stopOperator();
        }
        Map<String, Double> cpuBefore = backlog ? null : cpu(environment);
        long start = System.currentTimeMillis();
        create(environment.client(), names);
        if (backlog) {
            // Only the operator's own requests count; the creates are the user's.
            environment.apiServer().takeRequests();
            environment.startOperator();
            start = System.currentTimeMillis();
            cpuBefore = cpu(environment);
        }
        long deadline = System.currentTimeMillis() + Duration.ofMinutes(10).toMillis();
        while (watcher.finished(names) < runs) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException(name + ": only " + watcher.finished(names) + " of " + runs
                        + " AgentRuns finished within 10 minutes");
            }
            Thread.sleep(20);
        }
        Map<String, Double> cpu = minus(cpu(environment), cpuBefore);
        long last = names.stream().mapToLong(n -> watcher.succeeded.getOrDefault(n, watcher.failed.getOrDefault(n, 0L)))
                .max().orElseThrow();
        long first = names.stream().mapToLong(n -> watcher.succeeded.getOrDefault(n, watcher.failed.getOrDefault(n, Long.MAX_VALUE)))
                .min().orElseThrow();
        int submittedBefore = (int) names.stream().filter(n -> watcher.submitted.getOrDefault(n, Long.MAX_VALUE) <= first).count();
        int failed = (int) names.stream().filter(watcher.failed::containsKey).count();
        Thread.sleep(3000); // writes that trail the last Succeeded (Events) count too
        Map<String, Integer> writes = writes(environment.apiServer().takeRequests());
        Round round = new Round(name, runs, (last - start) / 1000.0, (first - start) / 1000.0, submittedBefore, failed, writes, cpu);
        System.out.printf("%s: %,d AgentRuns in %.1f s (first Succeeded after %.1f s, %d submitted by then), %d failed, writes %s, CPU s %s%n",
                name, runs, round.seconds(), round.firstSucceededSeconds(), submittedBefore, failed, writes, cpu);
        return round;
    }

    static void create(KubernetesClient client, List<String> names) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        for (String name : names) {
            pool.submit(() -> {
                AgentRun run = new AgentRun();
                run.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).build());
                AgentRunSpec spec = new AgentRunSpec();
                spec.setAgent("maya");
                spec.setInput("Hi, this is Jonas from account ACME-1002. My card was declined on the monthly renewal - can you help?");
                run.setSpec(spec);
                client.resource(run).inNamespace(NAMESPACE).create();
            });
        }
        pool.shutdown();
        if (!pool.awaitTermination(5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("creating " + names.size() + " AgentRuns took over 5 minutes");
        }
    }

    /** The operator's writes (every method but GET, the creates left out) by what they wrote: agentruns (metadata, e.g. the finalizer), agentruns/status, events. */
    static Map<String, Integer> writes(List<String> requests) {
        Map<String, Integer> writes = new TreeMap<>();
        Map<String, Integer> reads = new TreeMap<>();
        for (String request : requests) {
            String method = request.substring(0, request.indexOf(' '));
            if (method.equals("POST") && request.contains("/agentruns")) {
                continue; // the creates are the user's, not the operator's
            }
            if (method.equals("GET")) {
                reads.merge(request.contains("watch=true") ? "watch" : "GET", 1, Integer::sum);
                continue;
            }
            String path = request.substring(request.indexOf(' ') + 1).replaceAll("\\?.*", "");
            String kind = path.contains("/events") ? "events"
                    : path.endsWith("/status") ? "agentruns/status"
                    : path.contains("/agentruns") ? "agentruns"
                    : path;
            writes.merge(method + " " + kind, 1, Integer::sum);
        }
        if (!reads.isEmpty()) {
            System.out.println("reads (the operator's and this benchmark's watch): " + reads);
        }
        return writes;
    }

    static void print(List<Round> rounds) {
        System.out.println();
        System.out.println("| round | AgentRuns | create → all Succeeded | first Succeeded after | submitted by then | failed | API writes per AgentRun | CPU ms per AgentRun |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (Round round : rounds) {
            int total = round.writes().values().stream().mapToInt(Integer::intValue).sum();
            StringBuilder detail = new StringBuilder();
            round.writes().forEach((kind, count) -> detail.append(detail.isEmpty() ? "" : ", ")
                    .append(String.format("%s %.2f", kind, count / (double) round.runs())));
            StringBuilder cpu = new StringBuilder();
            round.cpu().forEach((process, seconds) -> cpu.append(cpu.isEmpty() ? "" : ", ")
                    .append(String.format("%s %.1f", process, seconds * 1000 / round.runs())));
            System.out.printf("| %s | %,d | %.1f s | %.1f s | %,d | %d | **%.2f** (%s) | %s |%n", round.name(), round.runs(),
                    round.seconds(), round.firstSucceededSeconds(), round.submittedAtFirstSucceeded(), round.failed(),
                    total / (double) round.runs(), detail, cpu);
        }
    }

    static void heap(DemoEnvironment environment, int cached) throws IOException, InterruptedException {
        long pid = environment.operator().pid();
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        run(jcmd, Long.toString(pid), "GC.run");
        String info = run(jcmd, Long.toString(pid), "GC.heap_info");
        Matcher used = HEAP_USED.matcher(info);
        String rss = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                .filter(line -> line.startsWith("VmRSS:")).findFirst().orElse("VmRSS: ?").replaceAll("\\s+", " ");
        System.out.printf("%noperator with %,d AgentRuns cached: heap used after a full GC %s MiB; %s%n", cached,
                used.find() ? Long.parseLong(used.group(1)) / 1024 : "?", rss);
        System.out.println(info.strip());
    }

    static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes());
        process.waitFor();
        return out;
    }
}
