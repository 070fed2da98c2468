package dev.agentharness.fakes.cloudflare;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentharness.fakes.TempTrees;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

import java.nio.file.Files;

import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A FAKE Cloudflare Sandbox bridge Worker for offline tests. It is not Cloudflare: there is no
 * Durable Object and no container. It serves the bridge Worker's HTTP API as the OpenAI Agents
 * SDK's Cloudflare client calls it — {@code POST /v1/sandbox}; under {@code /v1/sandbox/{id}/}:
 * {@code POST exec} (server-sent events {@code stdout}/{@code stderr} with base64 data, then
 * {@code exit} or {@code error}), {@code GET}/{@code PUT file/{path}}, {@code GET running},
 * {@code POST persist} (tar), {@code POST hydrate}; {@code DELETE /v1/sandbox/{id}} — checks
 * {@code Authorization: Bearer <key>}, and records every request.
 *
 * <p>Commands run for real, in bubblewrap ({@code /usr/bin/bwrap} is required), with the sandbox's
 * temporary directory bound at {@code /workspace} and an empty environment. The exec stream's
 * shape is configurable so clients meet what a real network does to it: tiny chunks (a UTF-8
 * character split across events), comment keep-alives, multi-line {@code data:}, CRLF line ends.
 * Tests can kill a sandbox behind the client's back with {@link #kill}.
 */
public final class FakeCloudflareWorker implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SANDBOX_PATH = Pattern.compile("^/v1/sandbox/([A-Za-z0-9_-]+)(?:/(.*))?$");
    private static final String ROOT = "/workspace";

    private final String apiKey;
    private final Path base;
    private final Map<String, FakeSandbox> sandboxes = new ConcurrentHashMap<>();
    private final Set<String> killed = ConcurrentHashMap.newKeySet();
    private final List<WorkerRequest> requests = Collections.synchronizedList(new ArrayList<>());
    private volatile int chunkBytes = 4096;
    private volatile boolean keepAlives;
    private volatile boolean multiLineData;
    private volatile String lineEnd = "\n";
    private HttpServer server;
    private ExecutorService executor;

    private record FakeSandbox(String id, Path workspace, Set<Process> running) {
    }

    /** @param apiKey the bearer token every request must carry */
    public FakeCloudflareWorker(String apiKey) {
        this.apiKey = apiKey;
        try {
            this.base = Files.createTempDirectory("fake-cloudflare-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public FakeCloudflareWorker start(int port) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        } catch (IOException e) {
            throw new UncheckedIOException("FakeCloudflareWorker could not bind 127.0.0.1:" + port, e);
        }
        executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        return this;
    }

    /** The Worker URL a client is configured with ({@code CLOUDFLARE_SANDBOX_WORKER_URL}). */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Output bytes per {@code stdout}/{@code stderr} event at most; 1 splits every multi-byte character. */
    public FakeCloudflareWorker chunkBytes(int bytes) {
        this.chunkBytes = Math.max(1, bytes);
        return this;
    }

    /** Sends {@code : keepalive} comments between events. */
    public FakeCloudflareWorker keepAlives(boolean on) {
        this.keepAlives = on;
        return this;
    }

    /** Splits each event's base64 over several {@code data:} lines. */
    public FakeCloudflareWorker multiLineData(boolean on) {
        this.multiLineData = on;
        return this;
    }

    /** Ends stream lines with CRLF instead of LF. */
    public FakeCloudflareWorker crlf(boolean on) {
        this.lineEnd = on ? "\r\n" : "\n";
        return this;
    }

    /** Every request so far, oldest first. */
    public List<WorkerRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** Ids of sandboxes that exist (created, not deleted, not killed). */
    public Set<String> sandboxes() {
        return Set.copyOf(sandboxes.keySet());
    }

    /** Kills a sandbox as a crashed container would go: its processes and files are gone, {@code running} is false. */
    public void kill(String id) {
        FakeSandbox sandbox = sandboxes.remove(id);
        if (sandbox != null) {
            killed.add(id);
            sandbox.running().forEach(FakeCloudflareWorker::killTree);
            TempTrees.delete(sandbox.workspace().getParent());
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
        }
        sandboxes.values().forEach(sandbox -> sandbox.running().forEach(FakeCloudflareWorker::killTree));
        TempTrees.delete(base);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            record(exchange, body);
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            String expected = "Bearer " + apiKey;
            if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                // Like a real Worker, never echo what was sent.
                sendJson(exchange, 401, Map.of("error", "Unauthorized"));
                return;
            }
            if (path.equals("/v1/sandbox") && method.equals("POST")) {
                create(exchange);
                return;
            }
            Matcher m = SANDBOX_PATH.matcher(path);
            if (!m.matches()) {
                sendJson(exchange, 404, Map.of("error", "Not found: " + method + " " + path));
                return;
            }
            String id = m.group(1);
            String rest = m.group(2) == null ? "" : m.group(2);
            if (rest.equals("running") && method.equals("GET")) {
                sendJson(exchange, 200, Map.of("running", sandboxes.containsKey(id)));
                return;
            }
            FakeSandbox sandbox = sandboxes.get(id);
            if (rest.isEmpty() && method.equals("DELETE")) {
                if (sandbox == null) {
                    sendJson(exchange, 404, Map.of("error", "Sandbox not found"));
                    return;
                }
                kill(id);
                sendJson(exchange, 200, Map.of("ok", true));
                return;
            }
            if (sandbox == null) {
                sendJson(exchange, 404, Map.of("error", killed.contains(id) ? "Sandbox is not running" : "Sandbox not found"));
                return;
            }
            if (rest.equals("exec") && method.equals("POST")) {
                exec(exchange, sandbox, body);
            } else if (rest.startsWith("file/") && method.equals("GET")) {
                readFile(exchange, sandbox, rest.substring("file/".length()));
            } else if (rest.startsWith("file/") && method.equals("PUT")) {
                writeFile(exchange, sandbox, rest.substring("file/".length()), body);
            } else if (rest.equals("persist") && method.equals("POST")) {
                persist(exchange, sandbox);
            } else if (rest.equals("hydrate") && method.equals("POST")) {
                hydrate(exchange, sandbox, body);
            } else {
                sendJson(exchange, 404, Map.of("error", "Not found: " + method + " " + path));
            }
        } catch (RuntimeException e) {
            sendJson(exchange, 500, Map.of("error", "FakeCloudflareWorker: " + e));
        }
    }

    private void record(HttpExchange exchange, byte[] body) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
        requests.add(new WorkerRequest(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
                exchange.getRequestURI().getRawQuery(), headers, body, Instant.now()));
    }

    private void create(HttpExchange exchange) throws IOException {
        byte[] random = new byte[8];
        new java.security.SecureRandom().nextBytes(random);
        String id = "cf-" + HexFormat.of().formatHex(random);
        Path workspace = base.resolve(id).resolve("workspace");
        Files.createDirectories(workspace);
        sandboxes.put(id, new FakeSandbox(id, workspace, ConcurrentHashMap.newKeySet()));
        sendJson(exchange, 200, Map.of("id", id));
    }

    private void exec(HttpExchange exchange, FakeSandbox sandbox, byte[] body) throws IOException {
        JsonNode request;
        try {
            request = JSON.readTree(body);
        } catch (IOException e) {
            sendJson(exchange, 400, Map.of("error", "body must be JSON"));
            return;
        }
        List<String> argv = new ArrayList<>();
        request.path("argv").forEach(arg -> argv.add(arg.asText()));
        if (argv.isEmpty()) {
            sendJson(exchange, 400, Map.of("error", "argv must be a non-empty array of strings"));
            return;
        }
        if (!Bubblewrapped.available()) {
            sendJson(exchange, 500, Map.of("error", "FakeCloudflareWorker needs /usr/bin/bwrap to run commands"));
            return;
        }
        long timeoutMs = request.path("timeout_ms").asLong(30_000);
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        EventWriter events = new EventWriter(out);
        events.comment("stream open");
        Process process = Bubblewrapped.command(sandbox.workspace(), argv).start();
        sandbox.running().add(process);
        try {
            process.getOutputStream().close();
            Thread stdout = Thread.ofVirtual().start(() -> pump(process.getInputStream(), "stdout", events));
            Thread stderr = Thread.ofVirtual().start(() -> pump(process.getErrorStream(), "stderr", events));
            boolean finished = process.waitFor(timeoutMs, TimeUnit.MILLISECONDS);
            if (!finished) {
                killTree(process);
            }
            stdout.join();
            stderr.join();
            if (!sandboxes.containsKey(sandbox.id())) {
                events.event("error", JSON.writeValueAsString(Map.of("error", "Sandbox was stopped")));
            } else if (finished) {
                events.event("exit", JSON.writeValueAsString(Map.of("exit_code", process.exitValue())));
            } else {
                events.event("error", JSON.writeValueAsString(Map.of("error", "Command timed out after " + timeoutMs + "ms")));
            }
        } catch (InterruptedException e) {
            killTree(process);
            Thread.currentThread().interrupt();
        } finally {
            sandbox.running().remove(process);
            out.close();
        }
    }

    private void pump(InputStream in, String stream, EventWriter events) {
        byte[] buffer = new byte[chunkBytes];
        try (in) {
            int n;
            while ((n = in.read(buffer, 0, chunkBytes)) >= 0) {
                if (n > 0) {
                    events.event(stream, Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer, n)));
                }
            }
        } catch (IOException e) {
            // Killed, or the client went away.
        }
    }

    /** Serialises events from two pumps onto one response. */
    private final class EventWriter {
        private final OutputStream out;

        EventWriter(OutputStream out) {
            this.out = out;
        }

        synchronized void comment(String text) throws IOException {
            out.write((": " + text + lineEnd).getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        synchronized void event(String name, String data) throws IOException {
            StringBuilder text = new StringBuilder("event: ").append(name).append(lineEnd);
            if (multiLineData && data.length() > 8 && !data.startsWith("{")) {
                for (int i = 0; i < data.length(); i += 8) {
                    text.append("data: ").append(data, i, Math.min(data.length(), i + 8)).append(lineEnd);
                }
            } else {
                text.append("data: ").append(data).append(lineEnd);
            }
            text.append(lineEnd);
            if (keepAlives) {
                text.append(": keepalive").append(lineEnd);
            }
            out.write(text.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    /** {@code file/workspace/a%20b.txt} → the host file, or null (and an answer sent) when it may not be used. */
    private Path resolve(HttpExchange exchange, FakeSandbox sandbox, String rawFilePath) throws IOException {
        StringBuilder decoded = new StringBuilder();
        for (String segment : rawFilePath.split("/")) {
            decoded.append('/').append(URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8));
        }
        String path = decoded.toString();
        if (!path.startsWith(ROOT + "/") || path.contains("/../") || path.endsWith("/..")) {
            sendJson(exchange, 403, Map.of("error", "Path escapes /workspace"));
            return null;
        }
        Path host = sandbox.workspace().resolve(path.substring(ROOT.length() + 1));
        Path existing = host;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !existing.toRealPath().startsWith(sandbox.workspace().toRealPath())) {
            sendJson(exchange, 403, Map.of("error", "Path escapes /workspace"));
            return null;
        }
        return host;
    }

    private void readFile(HttpExchange exchange, FakeSandbox sandbox, String rawFilePath) throws IOException {
        Path file = resolve(exchange, sandbox, rawFilePath);
        if (file == null) {
            return;
        }
        if (Files.isDirectory(file)) {
            sendJson(exchange, 400, Map.of("error", "Is a directory"));
            return;
        }
        try {
            byte[] content = Files.readAllBytes(file);
            exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
            send(exchange, 200, content);
        } catch (NoSuchFileException e) {
            sendJson(exchange, 404, Map.of("error", "File not found"));
        }
    }

    private void writeFile(HttpExchange exchange, FakeSandbox sandbox, String rawFilePath, byte[] body) throws IOException {
        Path file = resolve(exchange, sandbox, rawFilePath);
        if (file == null) {
            return;
        }
        // Strict on purpose: a client must create parent directories itself.
        if (!Files.isDirectory(file.getParent())) {
            sendJson(exchange, 404, Map.of("error", "Parent directory does not exist"));
            return;
        }
        if (Files.isDirectory(file)) {
            sendJson(exchange, 400, Map.of("error", "Is a directory"));
            return;
        }
        Files.write(file, body);
        sendJson(exchange, 200, Map.of("ok", true));
    }

    private void persist(HttpExchange exchange, FakeSandbox sandbox) throws IOException {
        List<String> argv = new ArrayList<>(List.of("tar", "-C", ROOT, "-cf", "-"));
        String query = exchange.getRequestURI().getQuery();
        if (query != null && query.startsWith("excludes=")) {
            for (String exclude : query.substring("excludes=".length()).split(",")) {
                if (!exclude.isBlank()) {
                    argv.add("--exclude=./" + exclude);
                }
            }
        }
        argv.add(".");
        try {
            byte[] tar = Bubblewrapped.run(sandbox.workspace(), argv, null);
            exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
            send(exchange, 200, tar);
        } catch (IOException e) {
            sendJson(exchange, 500, Map.of("error", "persist failed: " + e.getMessage()));
        }
    }

    private void hydrate(HttpExchange exchange, FakeSandbox sandbox, byte[] tar) throws IOException {
        try {
            Bubblewrapped.run(sandbox.workspace(), List.of("tar", "-C", ROOT, "-xf", "-"), tar);
            sendJson(exchange, 200, Map.of("ok", true));
        } catch (IOException e) {
            sendJson(exchange, 400, Map.of("error", "hydrate failed: " + e.getMessage()));
        }
    }

    private static void sendJson(HttpExchange exchange, int status, Map<String, ?> body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        send(exchange, status, JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
    }

    /** bwrap runs with its own PID namespace: killing it kills everything the command started. */
    private static void killTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
