package dev.agentharness.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentharness.fakes.model.DemoResponder;
import dev.agentharness.fakes.model.MayaDemoResponder;
import dev.agentharness.fakes.model.RecordedRequest;
import dev.agentharness.fakes.model.Reply;
import dev.agentharness.fakes.model.RequestValidator;
import dev.agentharness.fakes.model.Responder;
import dev.agentharness.fakes.model.ResponseEnvelope;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A FAKE OpenAI Responses API server for offline tests and {@code make demo}. It is not OpenAI and
 * no model runs here: every answer is scripted by the test ({@link #enqueue}), computed by a
 * {@link Responder}, or produced by the deterministic {@link #mayaDemo()} script.
 *
 * <p>It speaks the real wire format of {@code POST /v1/responses} (and the Azure-style
 * {@code /openai/v1/responses}), checks authentication and validates request bodies like the
 * real API ({@link RequestValidator}), and records every request it receives.
 * Requests are served on virtual threads, so artificial latency does not serialise them.
 */
public final class FakeModelServer implements AutoCloseable {

    private static final Set<String> RESPONSES_PATHS = Set.of("/v1/responses", "/openai/v1/responses");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Room for the 1,000+ concurrent connections the harness's load tests open. */
    private static final int BACKLOG = 4096;

    private final Queue<Reply> script = new ConcurrentLinkedQueue<>();
    private final List<RecordedRequest> requests = Collections.synchronizedList(new ArrayList<>());
    private volatile Responder responder;
    private volatile Duration latency = Duration.ZERO;
    private HttpServer server;
    private ExecutorService executor;

    /** The deterministic responder behind the built-in "maya" support agent in {@code make demo}. */
    public static Responder mayaDemo() {
        return new MayaDemoResponder();
    }

    /** The responder of {@code make demo}: "maya" and the sandbox agent "analyst", told apart by their tools. */
    public static Responder demo() {
        return new DemoResponder();
    }

    /** Starts listening on 127.0.0.1; port 0 picks a free port (see {@link #port()}). */
    public FakeModelServer start(int port) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), BACKLOG);
        } catch (IOException e) {
            throw new UncheckedIOException("FakeModelServer could not bind 127.0.0.1:" + port, e);
        }
        executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The OpenAI-style base URL, e.g. {@code http://127.0.0.1:8089/v1}. */
    public String baseUrl() {
        return rootUrl() + "/v1";
    }

    /** The server root, usable as an Azure OpenAI endpoint ({@code AZURE_OPENAI_ENDPOINT}). */
    public String rootUrl() {
        return "http://127.0.0.1:" + port();
    }

    /** Adds replies to the FIFO script; each request consumes one before the responder is asked. */
    public FakeModelServer enqueue(Reply... replies) {
        script.addAll(List.of(replies));
        return this;
    }

    /** Answers requests once the script is empty; null removes it. */
    public FakeModelServer responder(Responder responder) {
        this.responder = responder;
        return this;
    }

    /** Delay before every answer, to simulate a slow model (timeouts, concurrency). */
    public FakeModelServer latency(Duration latency) {
        this.latency = latency;
        return this;
    }

    /** Every request received so far, oldest first, including rejected ones. */
    public List<RecordedRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** Forgets recorded requests and unconsumed scripted replies; keeps responder and latency. */
    public void clear() {
        requests.clear();
        script.clear();
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String raw = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            RecordedRequest request = record(exchange, raw);
            String path = exchange.getRequestURI().getPath();
            if (!RESPONSES_PATHS.contains(path)) {
                sendError(exchange, 404, "Invalid URL (" + exchange.getRequestMethod() + " " + path + ")",
                        "invalid_request_error", null, null);
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                sendError(exchange, 405, "Method not allowed: use POST " + path, "invalid_request_error", null, null);
                return;
            }
            if (!authenticated(request)) {
                // Like the real API, the answer never echoes the key it was given.
                sendError(exchange, 401, "You didn't provide a valid API key. Send 'Authorization: Bearer <key>' "
                        + "(or 'api-key: <key>' for Azure).", "invalid_request_error", null, "invalid_api_key");
                return;
            }
            Optional<RequestValidator.Violation> violation = RequestValidator.validate(request.body());
            if (violation.isPresent()) {
                sendError(exchange, 400, violation.get().message(), "invalid_request_error", violation.get().param(), null);
                return;
            }
            sleep(latency);
            send(exchange, nextReply(request), request);
        }
    }

    private RecordedRequest record(HttpExchange exchange, String raw) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
        JsonNode body;
        try {
            body = JSON.readTree(raw);
        } catch (IOException notJson) {
            body = TextNode.valueOf(raw);
        }
        RecordedRequest request = new RecordedRequest(exchange.getRequestURI().getPath(), headers,
                body == null ? TextNode.valueOf(raw) : body, Instant.now());
        requests.add(request);
        return request;
    }

    private static boolean authenticated(RecordedRequest request) {
        Optional<String> bearer = request.header("authorization")
                .filter(value -> value.regionMatches(true, 0, "Bearer ", 0, 7))
                .map(value -> value.substring(7).strip());
        Optional<String> azureKey = request.header("api-key").map(String::strip);
        return bearer.filter(key -> !key.isEmpty()).isPresent() || azureKey.filter(key -> !key.isEmpty()).isPresent();
    }

    private Reply nextReply(RecordedRequest request) {
        Reply scripted = script.poll();
        if (scripted != null) {
            return scripted;
        }
        Responder current = responder;
        if (current != null) {
            return current.reply(request);
        }
        return Reply.error(500, "FakeModelServer: no scripted reply left and no responder set "
                + "(enqueue a Reply or set a Responder for this test)");
    }

    private static void send(HttpExchange exchange, Reply reply, RecordedRequest request) throws IOException {
        switch (reply) {
            case Reply.Output output -> sendJson(exchange, 200, Map.of(),
                    ResponseEnvelope.completed(request.body(), output.items(), output.usage(), Instant.now()).toString());
            case Reply.Failure failure -> sendJson(exchange, failure.status(), failure.headers(), failure.body());
        }
    }

    private static void sendError(HttpExchange exchange, int status, String message, String type, String param,
                                  String code) throws IOException {
        sendJson(exchange, status, Map.of(), Reply.WireItems.errorBody(message, type, param, code));
    }

    private static void sendJson(HttpExchange exchange, int status, Map<String, String> headers, String body)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("x-request-id", Reply.Ids.next("req"));
        headers.forEach(exchange.getResponseHeaders()::set);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
    }

    private static void sleep(Duration duration) {
        if (duration.isZero() || duration.isNegative()) {
            return;
        }
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * {@code java -cp … dev.agentharness.fakes.FakeModelServer --port 8089 [--latency-ms N]}: serves
     * the demo responder (maya and analyst) until killed.
     */
    public static void main(String[] args) throws InterruptedException {
        int port = 8089;
        long latencyMs = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--latency-ms" -> latencyMs = Long.parseLong(args[++i]);
                default -> {
                    System.err.println("usage: FakeModelServer [--port N] [--latency-ms N]");
                    System.exit(2);
                }
            }
        }
        FakeModelServer fake = new FakeModelServer().responder(demo()).latency(Duration.ofMillis(latencyMs)).start(port);
        Runtime.getRuntime().addShutdownHook(new Thread(fake::close));
        System.out.println("fake-model listening on " + fake.baseUrl());
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
