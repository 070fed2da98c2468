package dev.agentharness.runtime.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.runtime.testing.HarnessHttp;
import dev.agentharness.runtime.testing.HarnessProcess;
import dev.agentharness.runtime.testing.LocalPostgres;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The backup rehearsal of docs/runbook.md ("Backup and recovery"), with the commands it shows: a harness runs on a real
 * PostgreSQL (the Debian server, as Neon would be), several runs are recorded — one with an artifact, a session with
 * two turns — then {@code pg_dump --format=custom} of the live database, {@code pg_restore} into a fresh PostgreSQL
 * server, and a harness started on the restored database (and the same artifact store) serves every old run, its
 * trace, its session and its artifact bytes exactly as before, and takes new runs (the migrations are idempotent on
 * the restored schema). Skipped where the Debian packages are missing; a failure with {@code CI=true}.
 */
class BackupRehearsalIT {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private FakeModelServer model;
    private LocalPostgres live;
    private LocalPostgres fresh;
    private Path work;

    @BeforeEach
    void start() throws IOException {
        LocalPostgres.assumeInstalled(false);
        model = new FakeModelServer().start(0).responder(FakeModelServer.mayaDemo());
        work = Files.createTempDirectory(Path.of("/tmp"), "harness-backup-");
    }

    @AfterEach
    void stop() {
        if (model != null) {
            model.close();
        }
        if (live != null) {
            live.close();
        }
        if (fresh != null) {
            fresh.close();
        }
    }

    @Test
    void aHarnessOnARestoredDumpServesEveryOldRunTraceSessionAndArtifactAndTakesNewRuns() throws Exception {
        live = LocalPostgres.start();
        live.createDatabase("harness");
        Path artifacts = work.resolve("data");
        Path log = work.resolve("harness.log");
        Path dump = work.resolve("harness.dump");
        String session = "backup-session";

        Map<String, JsonNode> runs = new LinkedHashMap<>();
        Map<String, String> traces = new LinkedHashMap<>();
        String sessionBefore;
        String artifactRunId;
        String artifactLink;
        byte[] artifactBytes;
        try (HarnessProcess before = HarnessProcess.start(env(live.url("harness"), artifacts), log)) {
            List<String> ids = new ArrayList<>();
            ids.add(run(before, "{\"message\":\"ACME-1004 here, please help with my bill\"}"));
            artifactRunId = run(before, "{\"message\":\"ACME-1003 needs a summary\",\"save_artifact\":true}");
            ids.add(artifactRunId);
            ids.add(run(before, "{\"message\":\"ACME-1001 first turn\",\"session_id\":\"" + session + "\"}"));
            ids.add(run(before, "{\"message\":\"ACME-1001 second turn, same issue\",\"session_id\":\"" + session + "\"}"));
            for (String id : ids) {
                runs.put(id, withoutFreshLink(HarnessHttp.json(get(before, "/runs/" + id).body())));
                traces.put(id, expectOk(get(before, "/runs/" + id + "/trace")));
            }
            JsonNode withArtifact = HarnessHttp.json(get(before, "/runs/" + artifactRunId).body());
            artifactLink = withArtifact.path("artifact_url").asText();
            assertTrue(artifactLink.contains("/storage/outputs/" + artifactRunId + "/reply.md?"), artifactLink);
            HttpResponse<byte[]> download = getBytes(before, pathAndQuery(artifactLink));
            assertEquals(200, download.statusCode());
            artifactBytes = download.body();
            assertEquals(withArtifact.path("artifacts").get(0).path("sha256").asText(), sha256(artifactBytes));
            sessionBefore = expectOk(get(before, "/sessions/" + session));
            assertEquals(2, HarnessHttp.json(sessionBefore).path("runs").size(), sessionBefore);
            for (JsonNode run : runs.values()) {
                assertEquals("succeeded", run.path("status").asText(), run.toString());
                assertTrue(run.path("usage").path("input_tokens").asLong() > 0, run.toString());
            }

            // The backup, taken while the harness is up (pg_dump reads one consistent snapshot).
            live.runClient("pg_dump", "--format=custom", "--no-owner", "--no-acl", "--file=" + dump, live.url("harness"));
        }
        assertTrue(Files.size(dump) > 0);

        // Recovery: a fresh server, an empty database, the dump restored into it.
        fresh = LocalPostgres.start();
        fresh.createDatabase("restored");
        fresh.runClient("pg_restore", "--no-owner", "--no-acl", "--exit-on-error", "--dbname=" + fresh.url("restored"),
                dump.toString());
        live.close();
        live = null;

        int modelCallsBefore = model.requests().size();
        try (HarnessProcess after = HarnessProcess.start(env(fresh.url("restored"), artifacts), log)) {
            for (var expected : runs.entrySet()) {
                String id = expected.getKey();
                assertEquals(expected.getValue(), withoutFreshLink(HarnessHttp.json(expectOk(get(after, "/runs/" + id)))),
                        "run " + id + " is served as before (status, reply, usage, artifacts, timestamps)");
                assertEquals(HarnessHttp.json(traces.get(id)), HarnessHttp.json(expectOk(get(after, "/runs/" + id + "/trace"))),
                        "the trace of " + id);
            }
            assertEquals(HarnessHttp.json(sessionBefore), HarnessHttp.json(expectOk(get(after, "/sessions/" + session))));
            JsonNode feed = HarnessHttp.json(expectOk(get(after, "/runs?limit=500")));
            List<String> listed = new ArrayList<>();
            feed.path("runs").forEach(run -> listed.add(run.path("run_id").asText()));
            assertTrue(listed.containsAll(runs.keySet()), "GET /runs lists every restored run: " + listed);

            // Artifact pointers: the link handed out before the backup, a fresh one, and the 302 endpoint.
            assertEquals(sha256(artifactBytes), sha256(getBytes(after, pathAndQuery(artifactLink)).body()),
                    "a link issued before the backup still downloads the same bytes");
            String freshLink = HarnessHttp.json(expectOk(get(after, "/runs/" + artifactRunId))).path("artifact_url").asText();
            assertEquals(sha256(artifactBytes), sha256(getBytes(after, pathAndQuery(freshLink)).body()));
            HttpResponse<String> redirect = get(after, "/runs/" + artifactRunId + "/artifacts/reply.md");
            assertEquals(302, redirect.statusCode(), redirect.body());
            assertEquals(sha256(artifactBytes),
                    sha256(getBytes(after, pathAndQuery(redirect.headers().firstValue("Location").orElseThrow())).body()));
            assertEquals(modelCallsBefore, model.requests().size(), "nothing restored is run again");

            // New work on the restored database: a new run and a third turn of the old session (its history is there).
            String third = run(after, "{\"message\":\"ACME-1001 third turn after the restore\",\"session_id\":\"" + session + "\"}");
            String brandNew = run(after, "{\"message\":\"ACME-1002 a new run after the restore\"}");
            assertFalse(runs.containsKey(third) || runs.containsKey(brandNew));
            assertEquals(3, HarnessHttp.json(expectOk(get(after, "/sessions/" + session))).path("runs").size());
        }
        assertFalse(Files.readString(log).contains(LocalPostgres.PASSWORD), "no database password in the logs");
    }

    private Map<String, String> env(String databaseUrl, Path dataDir) {
        return Map.of(
                "DATABASE_URL", databaseUrl,
                "HARNESS_DATA_DIR", dataDir.toString(),
                "OPENAI_API_KEY", "sk-backup-test",
                "OPENAI_BASE_URL", model.baseUrl());
    }

    /** POST /runs (synchronous); the run must succeed. */
    private String run(HarnessProcess harness, String body) {
        HttpResponse<String> response = harness.postJson("/runs", body);
        assertEquals(200, response.statusCode(), response.body());
        JsonNode run = HarnessHttp.json(response.body());
        assertEquals("succeeded", run.path("status").asText(), response.body());
        return run.path("run_id").asText();
    }

    /** A run's view without {@code artifact_url}: every read mints a fresh link (another expiry and signature). */
    private static JsonNode withoutFreshLink(JsonNode run) {
        ObjectNode copy = run.deepCopy();
        copy.remove("artifact_url");
        return copy;
    }

    /** Keyless harnesses hand loopback callers absolute links on the port they used; the restored one has another. */
    private static String pathAndQuery(String link) {
        URI uri = URI.create(link);
        return uri.getRawPath() + "?" + uri.getRawQuery();
    }

    private static String expectOk(HttpResponse<String> response) {
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }

    private HttpResponse<String> get(HarnessProcess harness, String pathAndQuery) {
        return send(harness, pathAndQuery, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<byte[]> getBytes(HarnessProcess harness, String pathAndQuery) {
        return send(harness, pathAndQuery, HttpResponse.BodyHandlers.ofByteArray());
    }

    private <T> HttpResponse<T> send(HarnessProcess harness, String pathAndQuery, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(harness.baseUrl() + pathAndQuery))
                    .timeout(Duration.ofSeconds(30)).GET().build(), handler);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
