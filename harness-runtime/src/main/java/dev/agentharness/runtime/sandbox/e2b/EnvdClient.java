package dev.agentharness.runtime.sandbox.e2b;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * envd, the daemon inside one E2B sandbox: the Connect protocol by hand over
 * {@code java.net.http} ({@code connect+json} for the streaming {@code Process/Start}, plain JSON
 * for unary RPCs such as {@code ListDir}) and the {@code /files} HTTP API. Every call sends the
 * routing headers ({@code E2b-Sandbox-Id}, {@code E2b-Sandbox-Port}) and, for secure sandboxes,
 * {@code X-Access-Token}. Everything runs as {@code root}: the microVM is the isolation boundary,
 * and root can create the manifest's root (e.g. {@code /workspace}) where the template's user
 * could not.
 */
final class EnvdClient {

    static final String USER = "root";
    private static final String BASIC_USER = "Basic " + Base64.getEncoder().encodeToString((USER + ":").getBytes(StandardCharsets.UTF_8));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration UNARY_TIMEOUT = Duration.ofSeconds(60);
    /** Beyond the exec timeout: envd ends the stream itself at Connect-Timeout-Ms; this only catches a hung stream. */
    private static final Duration STREAM_GRACE = Duration.ofSeconds(30);

    /** envd answered an HTTP status other than success (502 = the sandbox is not running). */
    static final class EnvdException extends E2bException {
        EnvdException(String message, int status, String code) {
            super(message, status, code);
        }
    }

    private final HttpClient http;
    private final URI base;
    private final String sandboxId;
    private final String accessToken;

    EnvdClient(HttpClient http, URI base, String sandboxId, String accessToken) {
        this.http = http;
        this.base = URI.create(base.toString().replaceAll("/+$", ""));
        this.sandboxId = sandboxId;
        this.accessToken = accessToken;
    }

    /**
     * Runs {@code argv} to completion, streaming its output into {@code sink}.
     * {@code Connect-Timeout-Ms} is the process's lifetime: envd kills it at the deadline.
     */
    ProcessStream.Outcome start(List<String> argv, String cwd, Duration timeout, ProcessStream.Sink sink)
            throws E2bException {
        ObjectNode process = JSON.createObjectNode().put("cmd", argv.getFirst());
        argv.subList(1, argv.size()).forEach(process.putArray("args")::add);
        if (cwd != null) {
            process.put("cwd", cwd);
        }
        ObjectNode message = JSON.createObjectNode();
        message.set("process", process);
        // envd keeps stdin open unless told otherwise, and a command that reads it would wait forever.
        message.put("stdin", false);
        HttpRequest request = request("/process.Process/Start")
                .timeout(timeout.plus(STREAM_GRACE))
                .header("Content-Type", "application/connect+json")
                .header("Connect-Protocol-Version", "1")
                .header("Connect-Timeout-Ms", Long.toString(Math.max(1, timeout.toMillis())))
                .header("Keepalive-Ping-Interval", "30")
                .header("Authorization", BASIC_USER)
                .POST(HttpRequest.BodyPublishers.ofByteArray(ConnectEnvelope.message(message.toString().getBytes(StandardCharsets.UTF_8))))
                .build();
        HttpResponse<InputStream> response = send(request, HttpResponse.BodyHandlers.ofInputStream(), "Process/Start");
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw failure("Process/Start", response.statusCode(), body.readNBytes(64 * 1024));
            }
            // A watchdog, because HttpRequest.timeout covers only the response headers of a stream.
            Thread watchdog = Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(timeout.plus(STREAM_GRACE));
                    body.close();
                } catch (InterruptedException | IOException e) {
                    // finished in time, or already closed
                }
            });
            try {
                return ProcessStream.read(new ConnectEnvelope.Reader(body), sink);
            } finally {
                watchdog.interrupt();
            }
        } catch (E2bException e) {
            throw e;
        } catch (IOException e) {
            throw new E2bException("the command's output stream broke off (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** A unary Connect call with a JSON body; a non-200 answer carries {@code {"code","message"}}. */
    JsonNode unary(String procedure, JsonNode message) throws E2bException {
        HttpRequest request = request("/" + procedure)
                .timeout(UNARY_TIMEOUT)
                .header("Content-Type", "application/json")
                .header("Connect-Protocol-Version", "1")
                .header("Authorization", BASIC_USER)
                .POST(HttpRequest.BodyPublishers.ofString(message.toString()))
                .build();
        HttpResponse<byte[]> response = send(request, HttpResponse.BodyHandlers.ofByteArray(), procedure);
        if (response.statusCode() != 200) {
            throw failure(procedure, response.statusCode(), response.body());
        }
        try {
            return response.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new E2bException("envd answered " + procedure + " with something that is not JSON", 200, null);
        }
    }

    /** The file's bytes; at most {@code maxBytes + 1} are read, so the caller can tell "too large". */
    byte[] download(String path, int maxBytes) throws E2bException {
        HttpRequest request = request("/files?path=" + encode(path) + "&username=" + USER)
                .timeout(UNARY_TIMEOUT).GET().build();
        HttpResponse<InputStream> response = send(request, HttpResponse.BodyHandlers.ofInputStream(), "GET /files");
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw failure("GET /files", response.statusCode(), body.readNBytes(64 * 1024));
            }
            return body.readNBytes(maxBytes + 1);
        } catch (IOException e) {
            throw new E2bException("reading the file broke off (" + e.getClass().getSimpleName() + ")", e);
        }
    }

    /** Writes a file (raw {@code application/octet-stream}, envd ≥ 0.5.7), creating parent directories. */
    void upload(String path, byte[] content) throws E2bException {
        HttpRequest request = request("/files?path=" + encode(path) + "&username=" + USER)
                .timeout(UNARY_TIMEOUT)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(content))
                .build();
        HttpResponse<byte[]> response = send(request, HttpResponse.BodyHandlers.ofByteArray(), "POST /files");
        if (response.statusCode() != 200) {
            throw failure("POST /files", response.statusCode(), response.body());
        }
    }

    /**
     * Writes a file from a stream of exactly {@code length} bytes (a snapshot): the body is sent as
     * it is read, never held in memory. {@code timeout} covers the whole upload.
     */
    void upload(String path, InputStream content, long length, Duration timeout) throws E2bException {
        HttpRequest request = request("/files?path=" + encode(path) + "&username=" + USER)
                .timeout(timeout)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> content), length))
                .build();
        HttpResponse<byte[]> response = send(request, HttpResponse.BodyHandlers.ofByteArray(), "POST /files");
        if (response.statusCode() != 200) {
            throw failure("POST /files", response.statusCode(), response.body());
        }
    }

    private HttpRequest.Builder request(String pathAndQuery) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                .header("E2b-Sandbox-Id", sandboxId)
                .header("E2b-Sandbox-Port", Integer.toString(E2bSettings.ENVD_PORT));
        if (accessToken != null && !accessToken.isEmpty()) {
            builder.header("X-Access-Token", accessToken);
        }
        return builder;
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler, String what)
            throws E2bException {
        try {
            return http.send(request, handler);
        } catch (HttpTimeoutException e) {
            throw new E2bException("envd did not answer " + what + " in time", e);
        } catch (IOException e) {
            throw new E2bException("envd is unreachable (" + what + ": " + e.getClass().getSimpleName() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new E2bException("interrupted during " + what, e);
        }
    }

    /**
     * envd's errors: Connect ({@code {"code":"not_found","message":…}}) or plain
     * ({@code {"code":404,"message":…}}); an edge proxy may answer anything. Only the status and a
     * well-formed Connect code are kept for the exception; the message is kept for Connect errors
     * from envd itself (they describe the sandbox's own paths, e.g. "path '/x' does not exist").
     */
    private static EnvdException failure(String what, int status, byte[] body) {
        String code = null;
        String message = null;
        try {
            JsonNode json = body.length == 0 ? null : JSON.readTree(body);
            if (json != null && json.path("code").isTextual() && json.get("code").asText().matches("[a-z_]{1,32}")) {
                code = json.get("code").asText();
                message = json.path("message").asText(null);
            }
        } catch (IOException notJson) {
            // an HTML page from a proxy: the status says enough
        }
        String text = status == 502 ? "the sandbox is not running (envd unreachable, 502)"
                : "envd answered " + status + (code == null ? "" : " " + code) + " to " + what
                + (message == null ? "" : ": " + message);
        return new EnvdException(text, status, code);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    Optional<String> accessToken() {
        return Optional.ofNullable(accessToken);
    }
}
