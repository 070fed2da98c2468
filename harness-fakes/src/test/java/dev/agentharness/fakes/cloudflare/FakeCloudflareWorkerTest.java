package dev.agentharness.fakes.cloudflare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The FAKE Worker's wire format, seen with a plain HTTP client. */
class FakeCloudflareWorkerTest {

    static final String KEY = "fake-worker-key";
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http = HttpClient.newHttpClient();
    FakeCloudflareWorker worker;

    @BeforeEach
    void start() {
        worker = new FakeCloudflareWorker(KEY).start(0);
    }

    @AfterEach
    void stop() {
        worker.close();
    }

    HttpResponse<String> send(String method, String path, String body, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(worker.url() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void everyRequestNeedsTheBearerKeyAndTheAnswerNeverEchoesWhatWasSent() throws Exception {
        HttpResponse<String> response = send("POST", "/v1/sandbox", null, "wrong-key-123");
        assertEquals(401, response.statusCode());
        assertEquals("{\"error\":\"Unauthorized\"}", response.body());
        assertEquals(401, send("POST", "/v1/sandbox", null, null).statusCode());
        assertEquals(2, worker.requests().size(), "rejected requests are recorded too");
    }

    @Test
    void execStreamsServerSentEventsWithBase64DataThenTheExitCode() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/bwrap")), "needs bubblewrap");
        String id = JSON.readTree(send("POST", "/v1/sandbox", null, KEY).body()).get("id").asText();
        HttpResponse<String> exec = send("POST", "/v1/sandbox/" + id + "/exec",
                "{\"argv\":[\"sh\",\"-c\",\"printf ok; printf err >&2; exit 3\"],\"timeout_ms\":10000}", KEY);
        assertEquals(200, exec.statusCode());
        assertEquals("text/event-stream", exec.headers().firstValue("content-type").orElseThrow());
        String body = exec.body();
        assertTrue(body.startsWith(": stream open\n"), body);
        assertTrue(body.contains("event: stdout\ndata: " + Base64.getEncoder().encodeToString("ok".getBytes()) + "\n\n"), body);
        assertTrue(body.contains("event: stderr\ndata: " + Base64.getEncoder().encodeToString("err".getBytes()) + "\n\n"), body);
        assertTrue(body.endsWith("event: exit\ndata: {\"exit_code\":3}\n\n"), body);
        assertEquals("{\"running\":true}", send("GET", "/v1/sandbox/" + id + "/running", null, KEY).body());
        worker.kill(id);
        assertEquals("{\"running\":false}", send("GET", "/v1/sandbox/" + id + "/running", null, KEY).body());
        assertEquals(404, send("POST", "/v1/sandbox/" + id + "/exec", "{\"argv\":[\"true\"]}", KEY).statusCode());
    }

    @Test
    void filesNeedTheirParentAndStayInsideTheWorkspace() throws Exception {
        String id = JSON.readTree(send("POST", "/v1/sandbox", null, KEY).body()).get("id").asText();
        assertEquals(404, send("PUT", "/v1/sandbox/" + id + "/file/workspace/no/parent.txt", "x", KEY).statusCode());
        assertEquals(200, send("PUT", "/v1/sandbox/" + id + "/file/workspace/a%20b.txt", "hé", KEY).statusCode());
        assertEquals("hé", send("GET", "/v1/sandbox/" + id + "/file/workspace/a%20b.txt", null, KEY).body());
        assertEquals(404, send("GET", "/v1/sandbox/" + id + "/file/workspace/missing", null, KEY).statusCode());
        assertEquals(403, send("GET", "/v1/sandbox/" + id + "/file/etc/passwd", null, KEY).statusCode());
        assertEquals(200, send("DELETE", "/v1/sandbox/" + id, null, KEY).statusCode());
        assertEquals(404, send("DELETE", "/v1/sandbox/" + id, null, KEY).statusCode());
        assertFalse(worker.sandboxes().contains(id));
    }
}
