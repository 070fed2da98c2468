package dev.agentharness.runtime.sandbox.cloudflare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentharness.runtime.sandbox.ExecResult;
import dev.agentharness.runtime.sandbox.SandboxException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.CodingErrorAction;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The Cloudflare Sandbox bridge Worker's HTTP API, as the OpenAI Agents SDK's Cloudflare client
 * uses it: {@code POST /v1/sandbox} → {@code {"id"}}; under {@code /v1/sandbox/{id}/}: {@code POST exec}
 * (answered with server-sent events {@code stdout}/{@code stderr} carrying base64, {@code exit}
 * {@code {"exit_code":N}}, {@code error} {@code {"error":"…"}}), {@code GET}/{@code PUT file/{path}},
 * {@code GET running}, {@code POST persist} (tar), {@code POST hydrate}; {@code DELETE /v1/sandbox/{id}}.
 *
 * <p>The API key goes only into the {@code Authorization} header. Worker error bodies are passed on
 * (bounded) only after the key is scrubbed from them, and transport errors by class name only.
 */
final class CloudflareWorkerClient {

    /** The Agents SDK's default for everything but exec. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);
    /** Snapshots and restores move the whole workspace. */
    static final Duration ARCHIVE_TIMEOUT = Duration.ofMinutes(10);
    /** How long past its own timeout an exec may take before the harness gives up on the Worker's answer. */
    static final Duration EXEC_GRACE = Duration.ofSeconds(5);
    private static final int MAX_ERROR_BODY = 2000;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What an exec stream said. */
    record ExecOutcome(int exitCode, byte[] stdout, byte[] stderr, boolean stdoutTruncated, boolean stderrTruncated,
                       boolean timedOut, Duration wallTime) {

        ExecResult toResult() {
            return new ExecResult(exitCode, utf8(stdout), utf8(stderr), stdoutTruncated, stderrTruncated, timedOut, wallTime);
        }
    }

    private final CloudflareSettings settings;
    private final HttpClient http;

    CloudflareWorkerClient(CloudflareSettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** {@code POST /v1/sandbox}: a new sandbox, by the Worker's id. */
    String create() throws SandboxException {
        HttpResponse<byte[]> response = send(request("").POST(HttpRequest.BodyPublishers.noBody()), "create a sandbox");
        requireOk(response, "create a sandbox");
        try {
            JsonNode id = JSON.readTree(response.body()).get("id");
            if (id == null || !id.isTextual() || id.asText().isBlank()) {
                throw new SandboxException("the Cloudflare sandbox Worker answered POST /v1/sandbox without an id");
            }
            return id.asText();
        } catch (IOException e) {
            throw new SandboxException("the Cloudflare sandbox Worker answered POST /v1/sandbox with invalid JSON");
        }
    }

    /**
     * {@code POST exec}: runs {@code argv} (no shell unless argv says so) and collects both streams,
     * each bounded to {@code maxOutputBytes}. Base64 chunks are decoded to bytes and the bytes of a
     * stream are decoded as UTF-8 once, at the end, so a character split across chunks stays whole.
     */
    ExecOutcome exec(String id, List<String> argv, Duration timeout, int maxOutputBytes) throws SandboxException {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode args = body.putArray("argv");
        argv.forEach(args::add);
        body.put("timeout_ms", Math.max(1, timeout.toMillis()));
        HttpRequest request = request("/" + id + "/exec")
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        long started = System.nanoTime();
        Duration deadline = timeout.plus(EXEC_GRACE);
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (HttpTimeoutException e) {
            throw new SandboxException("the Cloudflare sandbox Worker did not answer exec in time");
        } catch (IOException e) {
            throw unreachable("run the command", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while the command ran");
        }
        BoundedBytes out = new BoundedBytes(maxOutputBytes);
        BoundedBytes err = new BoundedBytes(maxOutputBytes);
        try (InputStream stream = response.body()) {
            if (response.statusCode() != 200) {
                throw failed("run the command", response.statusCode(), stream.readNBytes(MAX_ERROR_BODY));
            }
            // Closing the body is the only way to stop a blocked read: a watchdog does it at the deadline.
            Thread watchdog = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(deadline);
                    stream.close();
                } catch (InterruptedException | IOException e) {
                    // Finished in time, or already closed.
                }
            });
            try {
                ServerSentEvents events = new ServerSentEvents(stream);
                ServerSentEvents.Event event;
                while ((event = events.next()) != null) {
                    switch (event.event()) {
                        case "stdout" -> out.write(base64(event.data()));
                        case "stderr" -> err.write(base64(event.data()));
                        case "exit" -> {
                            int code = JSON.readTree(event.data()).path("exit_code").asInt(-1);
                            return new ExecOutcome(code, out.bytes(), err.bytes(), out.truncated(), err.truncated(),
                                    false, Duration.ofNanos(System.nanoTime() - started));
                        }
                        case "error" -> {
                            Duration wall = Duration.ofNanos(System.nanoTime() - started);
                            if (wall.compareTo(timeout) >= 0) {
                                // The Worker stopped the command at timeout_ms (it reports that as an error event).
                                return timedOut(out, err, wall);
                            }
                            throw new SandboxException("the Cloudflare sandbox could not run the command: "
                                    + scrub(JSON.readTree(event.data()).path("error").asText("unknown error")));
                        }
                        default -> {
                            // Unknown event types are for newer clients; skip them.
                        }
                    }
                }
            } finally {
                watchdog.interrupt();
            }
        } catch (IOException e) {
            Duration wall = Duration.ofNanos(System.nanoTime() - started);
            if (wall.compareTo(deadline) >= 0) {
                return timedOut(out, err, wall);
            }
            throw unreachable("run the command", e);
        }
        Duration wall = Duration.ofNanos(System.nanoTime() - started);
        if (wall.compareTo(deadline) >= 0) {
            return timedOut(out, err, wall);
        }
        throw new SandboxException("the Cloudflare sandbox Worker ended the exec stream without an exit status");
    }

    private static ExecOutcome timedOut(BoundedBytes out, BoundedBytes err, Duration wall) {
        return new ExecOutcome(ExecResult.TIMED_OUT_EXIT_CODE, out.bytes(), err.bytes(), out.truncated(), err.truncated(),
                true, wall);
    }

    /** {@code GET file/{path}}; null when the file does not exist. */
    byte[] readFile(String id, String absolutePath, String named, int maxBytes) throws SandboxException {
        HttpResponse<InputStream> response = sendStreaming(request("/" + id + "/file/" + encodePath(absolutePath)).GET(),
                "read '" + named + "'");
        try (InputStream body = response.body()) {
            int status = response.statusCode();
            if (status == 404) {
                return null;
            }
            if (status == 403) {
                throw new SandboxException("path '" + named + "' leads outside the workspace");
            }
            if (status != 200) {
                throw failed("read '" + named + "'", status, body.readNBytes(MAX_ERROR_BODY));
            }
            // A streamed (SSE-framed, base64) answer is larger than the file: read with room for the framing.
            int limit = maxBytes * 2 + 64 * 1024;
            byte[] raw = body.readNBytes(limit + 1);
            byte[] content = raw.length > limit ? raw : StreamedPayload.decode(raw);
            if (content.length > maxBytes) {
                throw new SandboxException("'" + named + "' is larger than " + maxBytes
                        + " bytes; read it in parts with exec_command");
            }
            return content;
        } catch (IOException e) {
            throw unreachable("read the file", e);
        }
    }

    /** {@code PUT file/{path}} (octet-stream). */
    void writeFile(String id, String absolutePath, String named, byte[] content) throws SandboxException {
        HttpResponse<byte[]> response = send(request("/" + id + "/file/" + encodePath(absolutePath))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content)), "write '" + named + "'");
        if (response.statusCode() == 403) {
            throw new SandboxException("path '" + named + "' leads outside the workspace");
        }
        requireOk(response, "write '" + named + "'");
    }

    /** {@code GET running}: false for any answer but 200 {@code {"running":true}}, and when the Worker is unreachable. */
    boolean running(String id) {
        try {
            HttpResponse<byte[]> response = http.send(request("/" + id + "/running").GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            return response.statusCode() == 200 && JSON.readTree(response.body()).path("running").asBoolean(false);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The HTTP status of {@code GET running} for an id, or -1 when unreachable: the health probe. */
    int probe(String id) {
        try {
            return http.send(request("/" + id + "/running").GET().build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * {@code POST persist}: a tar of {@code /workspace}, raw or in the streamed form, copied into
     * {@code target} as it arrives. {@code target} may refuse bytes (the snapshot is too large).
     */
    void persist(String id, OutputStream target) throws SandboxException {
        HttpResponse<InputStream> response = sendStreaming(request("/" + id + "/persist")
                .timeout(ARCHIVE_TIMEOUT)
                .POST(HttpRequest.BodyPublishers.noBody()), "snapshot the workspace");
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw failed("snapshot the workspace", response.statusCode(), body.readNBytes(MAX_ERROR_BODY));
            }
            StreamedPayload.decodeTo(body, target);
        } catch (IOException e) {
            throw unreachable("snapshot the workspace", e);
        }
    }

    /** {@code POST hydrate} (octet-stream tar of exactly {@code length} bytes, streamed), extracted into {@code /workspace}. */
    void hydrate(String id, InputStream tar, long length) throws SandboxException {
        HttpResponse<byte[]> response = send(request("/" + id + "/hydrate")
                .timeout(ARCHIVE_TIMEOUT)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> tar), length)),
                "restore the workspace");
        requireOk(response, "restore the workspace");
    }

    /** {@code DELETE /v1/sandbox/{id}}; 404 means already gone. */
    void delete(String id) throws SandboxException {
        HttpResponse<byte[]> response = send(request("/" + id).DELETE(), "destroy sandbox " + id);
        if (response.statusCode() != 404) {
            requireOk(response, "destroy sandbox " + id);
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(settings.workerUrl() + "/v1/sandbox" + path))
                .timeout(REQUEST_TIMEOUT);
        settings.apiKey().ifPresent(key -> builder.header("Authorization", "Bearer " + key));
        return builder;
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder request, String what) throws SandboxException {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw unreachable(what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while trying to " + what);
        }
    }

    private HttpResponse<InputStream> sendStreaming(HttpRequest.Builder request, String what) throws SandboxException {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw unreachable(what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while trying to " + what);
        }
    }

    private void requireOk(HttpResponse<byte[]> response, String what) throws SandboxException {
        int status = response.statusCode();
        if (status < 200 || status >= 300) {
            byte[] body = response.body();
            throw failed(what, status, body.length > MAX_ERROR_BODY ? java.util.Arrays.copyOf(body, MAX_ERROR_BODY) : body);
        }
    }

    private SandboxException failed(String what, int status, byte[] body) {
        if (status == 401 || status == 403) {
            return new SandboxException("the Cloudflare sandbox Worker refused to " + what + " (HTTP " + status
                    + "): check CLOUDFLARE_SANDBOX_API_KEY");
        }
        if (status == 404) {
            return new SandboxException("could not " + what + ": the Cloudflare sandbox is gone (HTTP 404)");
        }
        return new SandboxException("the Cloudflare sandbox Worker could not " + what + " (HTTP " + status + ")"
                + errorDetail(body));
    }

    /** {@code {"error":"…","code":"…"}} or plain text, bounded, without the API key. */
    private String errorDetail(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
            return "";
        }
        try {
            JsonNode json = JSON.readTree(text);
            if (json != null && json.path("error").isTextual()) {
                text = (json.path("code").isTextual() ? json.path("code").asText() + ": " : "") + json.path("error").asText();
            }
        } catch (IOException notJson) {
            // plain text
        }
        text = scrub(text);
        return ": " + (text.length() > 300 ? text.substring(0, 300) + "…" : text);
    }

    private String scrub(String text) {
        return settings.apiKey().map(key -> text.replace(key, "***")).orElse(text);
    }

    private static SandboxException unreachable(String what, IOException e) {
        return new SandboxException("could not " + what + ": the Cloudflare sandbox Worker is unreachable ("
                + e.getClass().getSimpleName() + ")");
    }

    /** Each segment percent-encoded, slashes kept: {@code /workspace/a b.txt} → {@code workspace/a%20b.txt}. */
    static String encodePath(String absolutePath) {
        List<String> segments = new ArrayList<>();
        for (String segment : absolutePath.replaceFirst("^/+", "").split("/")) {
            segments.add(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return String.join("/", segments);
    }

    private static byte[] base64(String data) throws IOException {
        try {
            return Base64.getMimeDecoder().decode(data);
        } catch (IllegalArgumentException e) {
            throw new IOException("the exec stream carried invalid base64");
        }
    }

    static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Keeps at most {@code limit} bytes and remembers whether more came. */
    private static final class BoundedBytes {
        private final int limit;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private boolean truncated;

        BoundedBytes(int limit) {
            this.limit = limit;
        }

        void write(byte[] bytes) {
            int room = limit - kept.size();
            if (bytes.length > room) {
                truncated = true;
            }
            kept.write(bytes, 0, Math.max(0, Math.min(room, bytes.length)));
        }

        byte[] bytes() {
            return kept.toByteArray();
        }

        boolean truncated() {
            return truncated;
        }
    }
}
