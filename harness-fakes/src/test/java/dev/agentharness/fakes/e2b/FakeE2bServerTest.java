package dev.agentharness.fakes.e2b;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The FAKE E2B speaks the contract: control-plane bodies checked against openapi.yml (and its own
 * answers valid against it), envd's Connect framing byte for byte, auth on both planes, TTLs.
 */
class FakeE2bServerTest {

    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    FakeE2bServer fake;

    @BeforeEach
    void start() {
        fake = new FakeE2bServer().start(0);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    static void needsBubblewrap() {
        if (Files.isExecutable(Path.of("/usr/bin/bwrap"))) {
            return;
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new IllegalStateException("bubblewrap is missing and CI=true");
        }
        Assumptions.abort("bubblewrap is not installed");
    }

    HttpResponse<String> control(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(fake.url() + path))
                .header("X-API-Key", fake.apiKey())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode create(String body) throws Exception {
        HttpResponse<String> response = control("POST", "/sandboxes", body);
        assertEquals(201, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    HttpRequest.Builder envd(JsonNode sandbox, String path) {
        return HttpRequest.newBuilder(URI.create(fake.url() + path))
                .header("E2b-Sandbox-Id", sandbox.get("sandboxID").asText())
                .header("E2b-Sandbox-Port", "49983")
                .header("X-Access-Token", sandbox.path("envdAccessToken").asText());
    }

    /** Runs a command through Process/Start and returns the raw response bytes. */
    byte[] start(JsonNode sandbox, String command, String timeoutMs) throws Exception {
        String message = JSON.createObjectNode().set("process", JSON.createObjectNode().put("cmd", "/bin/sh")
                .<com.fasterxml.jackson.databind.node.ObjectNode>set("args", JSON.createArrayNode().add("-c").add(command))
                .put("cwd", "/root")).toString();
        String json = "{\"process\":" + JSON.readTree(message).get("process") + ",\"stdin\":false}";
        HttpRequest.Builder request = envd(sandbox, "/process.Process/Start")
                .header("Content-Type", "application/connect+json")
                .header("Connect-Protocol-Version", "1")
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString("root:".getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofByteArray(ConnectFrames.frame(0, json.getBytes(StandardCharsets.UTF_8))));
        if (timeoutMs != null) {
            request.header("Connect-Timeout-Ms", timeoutMs);
        }
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        assertEquals("application/connect+json", response.headers().firstValue("Content-Type").orElseThrow());
        return response.body();
    }

    static List<String> payloads(byte[] body) {
        List<String> frames = new ArrayList<>();
        for (ConnectFrames.Frame frame : ConnectFrames.parse(body)) {
            frames.add(frame.flags() + ":" + new String(frame.payload(), StandardCharsets.UTF_8));
        }
        return frames;
    }

    @Test
    void aCreateBodyThatBreaksTheSpecIsAnswered400WithTheErrorSchemaAndRecorded() throws Exception {
        HttpResponse<String> response = control("POST", "/sandboxes", "{\"template\":\"base\",\"timeout\":\"60\"}");

        assertEquals(400, response.statusCode());
        JsonNode error = JSON.readTree(response.body());
        assertEquals(400, error.get("code").asInt());
        assertTrue(error.get("message").asText().contains("templateID"), error.toString());
        assertEquals(List.of(), E2bSpecTest.SPEC.checkComponent("Error", error));
        assertFalse(fake.violations().isEmpty());
        assertTrue(fake.violations().stream().allMatch(v -> v.where().equals("POST /sandboxes")), fake.violations().toString());
        assertEquals(List.of(), fake.sandboxes());
    }

    @Test
    void aWrongApiKeyIs401AndTheKeyIsNeverEchoed() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(fake.url() + "/v2/sandboxes"))
                .header("X-API-Key", "e2b_wrong_key_123").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, response.statusCode());
        assertFalse(response.body().contains("e2b_wrong_key_123"));
        assertTrue(fake.requests().getFirst().everything().contains("x-api-key: ***"));
    }

    @Test
    void theLifecycleAnswersValidateAgainstTheSpecAndBehaveLikeE2b() throws Exception {
        JsonNode sandbox = create("{\"templateID\":\"base\",\"timeout\":300,\"secure\":true,"
                + "\"allow_internet_access\":false,\"metadata\":{\"harness\":\"h1\",\"run_id\":\"run_1\"}}");
        String id = sandbox.get("sandboxID").asText();
        assertTrue(id.matches("[a-z0-9]{20}"), id);
        assertFalse(sandbox.get("envdAccessToken").asText().isEmpty(), "secure sandboxes get an envd token");
        assertTrue(sandbox.get("domain").isNull());

        JsonNode detail = JSON.readTree(control("GET", "/sandboxes/" + id, null).body());
        assertEquals("running", detail.get("state").asText());
        assertEquals("run_1", detail.get("metadata").get("run_id").asText());
        assertFalse(detail.get("allowInternetAccess").asBoolean());

        String filter = URLEncoder.encode("harness=h1", StandardCharsets.UTF_8);
        JsonNode listed = JSON.readTree(control("GET", "/v2/sandboxes?metadata=" + filter + "&state=running,paused&limit=10", null).body());
        assertEquals(1, listed.size());
        assertEquals(0, JSON.readTree(control("GET", "/v2/sandboxes?metadata="
                + URLEncoder.encode("harness=other", StandardCharsets.UTF_8), null).body()).size());

        assertEquals(204, control("POST", "/sandboxes/" + id + "/pause", null).statusCode());
        assertEquals(409, control("POST", "/sandboxes/" + id + "/pause", null).statusCode());
        HttpResponse<String> resumed = control("POST", "/sandboxes/" + id + "/connect", "{\"timeout\":300}");
        assertEquals(201, resumed.statusCode());
        assertNotEquals(sandbox.get("envdAccessToken").asText(), JSON.readTree(resumed.body()).get("envdAccessToken").asText());
        assertEquals(200, control("POST", "/sandboxes/" + id + "/connect", "{\"timeout\":300}").statusCode());
        assertEquals(204, control("POST", "/sandboxes/" + id + "/timeout", "{\"timeout\":600}").statusCode());
        assertEquals(204, control("DELETE", "/sandboxes/" + id, null).statusCode());
        assertEquals(404, control("DELETE", "/sandboxes/" + id, null).statusCode());
        assertEquals(404, control("GET", "/sandboxes/" + id, null).statusCode());
        assertEquals(204, control("GET", "/health", null).statusCode());

        assertEquals(List.of(), fake.violations(), "every request and every answer matched openapi.yml");
    }

    @Test
    void aSandboxDiesAtItsTimeout() throws Exception {
        String id = create("{\"templateID\":\"base\",\"timeout\":1}").get("sandboxID").asText();
        Thread.sleep(1_300);
        assertEquals(404, control("GET", "/sandboxes/" + id, null).statusCode());
        assertEquals(List.of(), fake.sandboxes());
    }

    @Test
    void envdNeedsTheAccessTokenOfASecureSandboxAndAnswers502WhenTheSandboxIsGoneOrPaused() throws Exception {
        JsonNode sandbox = create("{\"templateID\":\"base\",\"timeout\":60,\"secure\":true}");
        HttpResponse<String> noToken = http.send(HttpRequest.newBuilder(URI.create(fake.url() + "/files?path=x"))
                .header("E2b-Sandbox-Id", sandbox.get("sandboxID").asText()).header("E2b-Sandbox-Port", "49983").build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, noToken.statusCode());
        assertEquals(204, http.send(envd(sandbox, "/health").build(), HttpResponse.BodyHandlers.ofString()).statusCode());

        fake.pause(sandbox.get("sandboxID").asText());
        assertEquals(502, http.send(envd(sandbox, "/health").build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        fake.kill(sandbox.get("sandboxID").asText());
        HttpResponse<String> gone = http.send(envd(sandbox, "/health").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(502, gone.statusCode());
        assertEquals(502, JSON.readTree(gone.body()).get("code").asInt());
    }

    @Test
    void processStartStreamsStartKeepalivesBase64DataEndAndAnEmptyEndOfStreamFrame() throws Exception {
        needsBubblewrap();
        fake.keepalives(2);
        JsonNode sandbox = create("{\"templateID\":\"base\",\"timeout\":60,\"secure\":true}");

        byte[] body = start(sandbox, "printf hello", null);

        List<ConnectFrames.Frame> frames = ConnectFrames.parse(body);
        assertEquals(0x00, body[0], "the first frame is a plain message");
        assertEquals(List.of("0:{\"event\":{\"start\":{\"pid\":401}}}",
                "0:{\"event\":{\"keepalive\":{}}}",
                "0:{\"event\":{\"keepalive\":{}}}",
                "0:{\"event\":{\"data\":{\"stdout\":\"aGVsbG8=\"}}}",
                "0:{\"event\":{\"end\":{\"exited\":true,\"status\":\"exit status 0\"}}}",
                "2:{}"), payloads(body), "exitCode is absent for 0, as protojson omits defaults");
        ConnectFrames.Frame last = frames.getLast();
        assertArrayEquals(new byte[] {0x02, 0, 0, 0, 2, '{', '}'},
                java.util.Arrays.copyOfRange(body, body.length - 7, body.length));
        assertEquals(2, last.payload().length);
    }

    @Test
    void aFailingCommandCarriesItsExitCodeAndStderr() throws Exception {
        needsBubblewrap();
        JsonNode sandbox = create("{\"templateID\":\"base\",\"timeout\":60}");
        List<String> frames = payloads(start(sandbox, "echo oops >&2; exit 3", null));
        assertTrue(frames.contains("0:{\"event\":{\"data\":{\"stderr\":\"b29wcwo=\"}}}"), frames.toString());
        assertTrue(frames.contains("0:{\"event\":{\"end\":{\"exitCode\":3,\"exited\":true,\"status\":\"exit status 3\"}}}"),
                frames.toString());
        assertEquals("2:{}", frames.getLast());
    }

    @Test
    void inSplitModeAMultiByteCharacterIsCutAcrossTwoDataChunks() throws Exception {
        needsBubblewrap();
        fake.splitUtf8(true);
        JsonNode sandbox = create("{\"templateID\":\"base\",\"timeout\":60}");
        List<byte[]> chunks = new ArrayList<>();
        for (ConnectFrames.Frame frame : ConnectFrames.parse(start(sandbox, "printf 'a\\342\\202\\254b'", null))) {
            JsonNode data = frame.flags() == 0 ? JSON.readTree(frame.payload()).path("event").path("data") : JSON.missingNode();
            if (data.has("stdout")) {
                chunks.add(Base64.getDecoder().decode(data.get("stdout").asText()));
            }
        }
        assertEquals(2, chunks.size());
        assertArrayEquals(new byte[] {'a', (byte) 0xe2}, chunks.get(0));
        assertArrayEquals(new byte[] {(byte) 0x82, (byte) 0xac, 'b'}, chunks.get(1));
    }

    @Test
    void theConnectTimeoutKillsTheProcessAndEndsTheStreamWithDeadlineExceeded() throws Exception {
        needsBubblewrap();
        JsonNode sandbox = create("{\"templateID\":\"base\",\"timeout\":60}");
        List<String> frames = payloads(start(sandbox, "sleep 30", "300"));
        assertEquals("2:{\"error\":{\"code\":\"deadline_exceeded\",\"message\":\"context deadline exceeded\"}}", frames.getLast());
    }

    @Test
    void aMissingCwdIsAnInvalidArgumentInTheEndOfStreamFrame() throws Exception {
        JsonNode sandbox = create("{\"templateID\":\"base\",\"timeout\":60}");
        String json = "{\"process\":{\"cmd\":\"/bin/true\",\"cwd\":\"/nope\"},\"stdin\":false}";
        HttpResponse<byte[]> response = http.send(envd(sandbox, "/process.Process/Start")
                .header("Content-Type", "application/connect+json").header("Connect-Protocol-Version", "1")
                .POST(HttpRequest.BodyPublishers.ofByteArray(ConnectFrames.frame(0, json.getBytes(StandardCharsets.UTF_8))))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode(), "Connect streams report errors in the end-of-stream frame");
        assertEquals(List.of("2:{\"error\":{\"code\":\"invalid_argument\",\"message\":\"cwd '/nope' does not exist\"}}"),
                payloads(response.body()));
    }

    @Test
    void aStartRequestWithoutTheEnvelopeIsAViolation() throws Exception {
        JsonNode sandbox = create("{\"templateID\":\"base\",\"timeout\":60}");
        HttpResponse<byte[]> response = http.send(envd(sandbox, "/process.Process/Start")
                .header("Content-Type", "application/connect+json").header("Connect-Protocol-Version", "1")
                .POST(HttpRequest.BodyPublishers.ofString("{\"process\":{\"cmd\":\"/bin/true\"}}")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertTrue(payloads(response.body()).getFirst().startsWith("2:{\"error\":{\"code\":\"invalid_argument\""));
        assertEquals(1, fake.violations().size(), fake.violations().toString());
    }

    @Test
    void filesAndListDirWorkOnTheSandboxFilesystem() throws Exception {
        JsonNode sandbox = create("{\"templateID\":\"base\",\"timeout\":60,\"secure\":true}");
        HttpResponse<String> upload = http.send(envd(sandbox, "/files?path=%2Fworkspace%2Fa%2Fnotes.txt&username=root")
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofString("héllo")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, upload.statusCode(), upload.body());
        assertEquals("[{\"path\":\"/workspace/a/notes.txt\",\"name\":\"notes.txt\",\"type\":\"file\"}]", upload.body());

        HttpResponse<byte[]> download = http.send(envd(sandbox, "/files?path=%2Fworkspace%2Fa%2Fnotes.txt&username=root").build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals("héllo", new String(download.body(), StandardCharsets.UTF_8));
        assertEquals(404, http.send(envd(sandbox, "/files?path=%2Fworkspace%2Fmissing&username=root").build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(400, http.send(envd(sandbox, "/files?path=%2Fworkspace%2Fa&username=root").build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());

        HttpResponse<String> list = http.send(envd(sandbox, "/filesystem.Filesystem/ListDir")
                .header("Content-Type", "application/json").header("Connect-Protocol-Version", "1")
                .POST(HttpRequest.BodyPublishers.ofString("{\"path\":\"/workspace/a\",\"depth\":1}")).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode entry = JSON.readTree(list.body()).get("entries").get(0);
        assertEquals("notes.txt", entry.get("name").asText());
        assertEquals("FILE_TYPE_FILE", entry.get("type").asText());
        assertEquals("6", entry.get("size").asText(), "int64 is a JSON string in protojson");
        assertTrue(entry.get("size").isTextual());

        HttpResponse<String> missing = http.send(envd(sandbox, "/filesystem.Filesystem/ListDir")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"path\":\"/nope\",\"depth\":1}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, missing.statusCode());
        assertEquals("not_found", JSON.readTree(missing.body()).get("code").asText());
    }

    @Test
    void transientFailuresCanBeInjectedWithRetryAfter() throws Exception {
        fake.failNextControlRequests(1, 503, "0");
        HttpResponse<String> first = control("GET", "/v2/sandboxes?limit=1", null);
        assertEquals(503, first.statusCode());
        assertEquals("0", first.headers().firstValue("Retry-After").orElseThrow());
        assertEquals(200, control("GET", "/v2/sandboxes?limit=1", null).statusCode());
    }
}
