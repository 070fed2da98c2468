package dev.agentharness.runtime.runs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.testing.ConversationLog;
import dev.agentharness.runtime.testing.HarnessHttp;
import dev.agentharness.runtime.testing.HarnessProcess;
import dev.agentharness.runtime.testing.LocalPgBouncer;
import dev.agentharness.runtime.testing.LocalPostgres;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two replicas on one database (through PgBouncer, transaction mode) share one queue: a burst submitted to both is
 * executed exactly once per run. Each replica's pool has only 2 connections, far fewer than the concurrent submits,
 * so the burst also proves that requests queue for a connection instead of failing.
 */
class TwoReplicasIT {

    private static final int RUNS = 60;
    private static final int POOL_SIZE = 2;

    private LocalPostgres postgres;
    private LocalPgBouncer bouncer;
    private FakeModelServer model;

    @BeforeEach
    void start() {
        LocalPostgres.assumeInstalled(true);
        postgres = LocalPostgres.start();
        bouncer = LocalPgBouncer.start(postgres);
        model = new FakeModelServer().start(0).latency(Duration.ofMillis(300))
                .responder(request -> Reply.message("handled"));
    }

    @AfterEach
    void stop() {
        if (model != null) {
            model.close();
        }
        if (bouncer != null) {
            bouncer.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void a_burst_larger_than_the_pool_is_shared_by_two_replicas_and_each_run_executes_once() throws Exception {
        postgres.createDatabase("replicas");
        Map<String, String> env = Map.of(
                "DATABASE_URL", bouncer.url("replicas"),
                "DATABASE_DIRECT_URL", postgres.url("replicas"),
                "DATABASE_POOL_SIZE", Integer.toString(POOL_SIZE),
                "OPENAI_API_KEY", "sk-replicas-test",
                "OPENAI_BASE_URL", model.baseUrl());
        Path log = Files.createTempFile(Path.of("/tmp"), "harness-replicas-", ".log");
        String batch = UUID.randomUUID().toString().substring(0, 8);
        List<String> markers = new ArrayList<>();
        List<String> runIds = new ArrayList<>();

        try (HarnessProcess a = HarnessProcess.start(env, log); HarnessProcess b = HarnessProcess.start(env, log)) {
            List<HarnessHttp> replicas = List.of(new HarnessHttp(a.baseUrl()), new HarnessHttp(b.baseUrl()));
            try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<HttpResponse<String>>> submits = new ArrayList<>();
                for (int i = 0; i < RUNS; i++) {
                    String marker = "replica-" + batch + "-" + String.format("%03d", i);
                    markers.add(marker);
                    HarnessHttp replica = replicas.get(i % 2);
                    submits.add(clients.submit(() -> replica.submitAsync("please handle " + marker)));
                }
                for (Future<HttpResponse<String>> submit : submits) {
                    HttpResponse<String> accepted = submit.get();
                    assertEquals(202, accepted.statusCode(), "a burst beyond the pool must queue: " + accepted.body());
                    runIds.add(HarnessHttp.json(accepted.body()).path("run_id").asText());
                }
            }

            Map<String, JsonNode> finals = replicas.get(0).awaitTerminal(runIds, Duration.ofSeconds(120));
            for (String runId : runIds) {
                assertEquals("succeeded", finals.get(runId).path("status").asText(), finals.get(runId).toString());
            }
        }

        ConversationLog conversations = new ConversationLog(model);
        for (String marker : markers) {
            assertEquals(1, conversations.requestsOf(marker).size(), marker + " must run exactly once");
        }
    }
}
