package dev.agentharness.runtime.security;

import com.fasterxml.jackson.databind.JsonNode;
import dev.agentharness.fakes.FakeModelServer;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.runtime.testing.HarnessHttp;
import dev.agentharness.runtime.testing.HarnessProcess;
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
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two secrets that live in the harness, rotated the way docs/runbook.md says, on the packaged harness restarted
 * with new environment (as a rolling restart does) over one data directory (its embedded database and local store):
 * <ol>
 *   <li>API keys: alice works with key1; then key1+key2 are both live for the same principal; then key2 alone, and key1
 *   is 401 while key2 still reads alice's runs.</li>
 *   <li>The link signing key: links signed with key A keep working after a restart with current=B previous=A; without
 *   the previous key they are refused (403), while links signed with B keep working.</li>
 * </ol>
 */
class SecretRotationIT {

    private static final String KEY_1 = "alice-rotation-key-one-0123456789";
    private static final String KEY_2 = "alice-rotation-key-two-9876543210";
    private static final String SIGNING_A = "link-signing-key-A-before-rotation-00000001";
    private static final String SIGNING_B = "link-signing-key-B-after-rotation-000000002";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private FakeModelServer model;
    private Path dataDir;
    private Path log;

    @BeforeEach
    void start() throws IOException {
        model = new FakeModelServer().start(0).responder(request -> Reply.message("rotated reply"));
        dataDir = Files.createTempDirectory(Path.of("/tmp"), "harness-rotation-");
        log = Files.createTempFile(Path.of("/tmp"), "harness-rotation-", ".log");
    }

    @AfterEach
    void stop() {
        model.close();
    }

    @Test
    void apiKeysAndTheLinkSigningKeyRotateWithoutLosingAccessToWhatExists() throws Exception {
        String runId;
        String linkSignedWithA;
        try (HarnessProcess before = HarnessProcess.start(env("alice:" + KEY_1, SIGNING_A, null), log)) {
            HttpResponse<String> created = send(before, KEY_1, "POST", "/runs",
                    "{\"message\":\"before the rotation\",\"save_artifact\":true}");
            assertEquals(200, created.statusCode(), created.body());
            JsonNode run = HarnessHttp.json(created.body());
            assertEquals("succeeded", run.path("status").asText(), created.body());
            runId = run.path("run_id").asText();
            linkSignedWithA = run.path("artifact_url").asText();
            // With keys and no HARNESS_PUBLIC_URL the local store's links are relative to the harness.
            assertTrue(linkSignedWithA.startsWith("/storage/outputs/" + runId + "/reply.md?"), linkSignedWithA);
            assertEquals("rotated reply", send(before, null, "GET", linkSignedWithA, null).body());
        }

        String linkSignedWithB;
        // Step 1 of both rotations: the new key beside the old one.
        try (HarnessProcess during = HarnessProcess.start(env("alice:" + KEY_1 + ",alice:" + KEY_2, SIGNING_B, SIGNING_A), log)) {
            JsonNode viaKey1 = HarnessHttp.json(expect(200, send(during, KEY_1, "GET", "/runs/" + runId, null)));
            JsonNode viaKey2 = HarnessHttp.json(expect(200, send(during, KEY_2, "GET", "/runs/" + runId, null)));
            assertEquals("rotated reply", viaKey2.path("reply").asText());
            assertEquals(runIds(expect(200, send(during, KEY_1, "GET", "/runs", null))),
                    runIds(expect(200, send(during, KEY_2, "GET", "/runs", null))), "both keys are one principal");
            assertTrue(runIds(expect(200, send(during, KEY_2, "GET", "/runs", null))).contains(runId));
            // A run made with the new key belongs to alice too.
            String second = HarnessHttp.json(expect(200, send(during, KEY_2, "POST", "/runs",
                    "{\"message\":\"during the rotation\"}"))).path("run_id").asText();
            expect(200, send(during, KEY_1, "GET", "/runs/" + second, null));

            assertEquals("rotated reply", expect(200, send(during, null, "GET", linkSignedWithA, null)),
                    "a link signed with the previous key stays valid until it expires");
            linkSignedWithB = viaKey1.path("artifact_url").asText();
            assertNotEquals(linkSignedWithA, linkSignedWithB, "new links are signed with the current key");
            assertEquals("rotated reply", expect(200, send(during, null, "GET", linkSignedWithB, null)));
            assertEquals(viaKey1.path("artifact_url").asText().split("\\?")[0], linkSignedWithA.split("\\?")[0]);
        }

        // Step 2: the old key retired.
        try (HarnessProcess after = HarnessProcess.start(env("alice:" + KEY_2, SIGNING_B, null), log)) {
            HttpResponse<String> oldKey = send(after, KEY_1, "GET", "/runs/" + runId, null);
            assertEquals(401, oldKey.statusCode(), oldKey.body());
            assertEquals(401, send(after, KEY_1, "GET", "/runs", null).statusCode());
            JsonNode run = HarnessHttp.json(expect(200, send(after, KEY_2, "GET", "/runs/" + runId, null)));
            assertEquals("succeeded", run.path("status").asText());
            assertEquals(2, runIds(expect(200, send(after, KEY_2, "GET", "/runs", null))).size());

            HttpResponse<String> retired = send(after, null, "GET", linkSignedWithA, null);
            assertEquals(403, retired.statusCode(), "a link signed with a retired key is refused: " + retired.body());
            assertTrue(retired.body().contains("signature does not match"), retired.body());
            assertEquals("rotated reply", expect(200, send(after, null, "GET", linkSignedWithB, null)));
            assertEquals("rotated reply", expect(200, send(after, null, "GET", run.path("artifact_url").asText(), null)));
        }

        String logText = Files.readString(log);
        for (String secret : List.of(KEY_1, KEY_2, SIGNING_A, SIGNING_B)) {
            assertFalse(logText.contains(secret), "no key in the log");
        }
    }

    @Test
    void aPreviousSigningKeyWithoutACurrentOneStopsTheBootNamingTheVariableNotTheValue() throws Exception {
        Map<String, String> env = new java.util.HashMap<>(env("alice:" + KEY_1, null, SIGNING_A));
        IllegalStateException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> HarnessProcess.start(env, log).close());
        assertTrue(refused.getMessage().contains("HARNESS_STORAGE_SIGNING_KEY_PREVIOUS is set but HARNESS_STORAGE_SIGNING_KEY is not"),
                refused.getMessage());
        assertFalse(Files.readString(log).contains(SIGNING_A), "the key's value is never echoed");
    }

    private Map<String, String> env(String apiKeys, String signingKey, String previousSigningKey) {
        Map<String, String> env = new java.util.HashMap<>(Map.of(
                "HARNESS_DATA_DIR", dataDir.toString(),
                "HARNESS_API_KEYS", apiKeys,
                "OPENAI_API_KEY", "sk-rotation-test",
                "OPENAI_BASE_URL", model.baseUrl()));
        if (signingKey != null) {
            env.put("HARNESS_STORAGE_SIGNING_KEY", signingKey);
        }
        if (previousSigningKey != null) {
            env.put("HARNESS_STORAGE_SIGNING_KEY_PREVIOUS", previousSigningKey);
        }
        return env;
    }

    private static List<String> runIds(String feed) {
        List<String> ids = new java.util.ArrayList<>();
        HarnessHttp.json(feed).path("runs").forEach(run -> ids.add(run.path("run_id").asText()));
        return ids.stream().sorted().toList();
    }

    private static String expect(int status, HttpResponse<String> response) {
        assertEquals(status, response.statusCode(), response.body());
        return response.body();
    }

    private HttpResponse<String> send(HarnessProcess harness, String apiKey, String method, String pathAndQuery, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(harness.baseUrl() + pathAndQuery))
                .timeout(Duration.ofSeconds(60));
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        if (json != null) {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
