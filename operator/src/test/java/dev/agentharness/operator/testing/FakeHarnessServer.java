package dev.agentharness.operator.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.agentharness.api.HarnessApi;
import dev.agentharness.api.Problem;
import dev.agentharness.api.RunRequest;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves a {@link FakeHarness} over real HTTP on a free port, the way the harness does: bearer
 * authentication, snake_case JSON, {@code application/problem+json} errors. It can also misbehave:
 * {@link #down()} stops listening (connection refused), {@link #failNext} answers 5xx before
 * looking at a request, {@link #loseNextSubmitResponses} creates the run and then drops the
 * connection without answering (a response lost in the network).
 */
public final class FakeHarnessServer implements AutoCloseable {

    static final String NAMESPACE_HEADER = "Agent-Harness-Namespace";

    static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();

    private final FakeHarness harness = new FakeHarness();
    private final String token;
    private final int port;
    private final List<String> authorizations = Collections.synchronizedList(new ArrayList<>());
    private final List<String> requestLines = Collections.synchronizedList(new ArrayList<>());
    private final List<Traceparent> submitTraceparents = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger failNext = new AtomicInteger();
    private volatile int failStatus = 503;
    private final AtomicInteger loseNextSubmitResponses = new AtomicInteger();
    private final AtomicInteger throttleNext = new AtomicInteger();
    private volatile Map<String, Object> throttleProblem = Map.of();
    private volatile String throttleRetryAfter;
    private final List<String> namespaceHeaders = Collections.synchronizedList(new ArrayList<>());
    private volatile java.util.concurrent.CountDownLatch submissionGate = new java.util.concurrent.CountDownLatch(0);
    private final AtomicInteger heldSubmissions = new AtomicInteger();
    private HttpServer server;

    private FakeHarnessServer(String token, int port) {
        this.token = token;
        this.port = port;
    }

    public static FakeHarnessServer start(String token) {
        FakeHarnessServer fake = new FakeHarnessServer(token, freePort());
        fake.up();
        return fake;
    }

    public FakeHarness harness() {
        return harness;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Listening again, on the same port (the harness came back). */
    public synchronized void up() {
        if (server != null) {
            return;
        }
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 100);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    /** Not listening: every call gets "connection refused", as when the harness is down. */
    public synchronized void down() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }

    public boolean isUp() {
        return server != null;
    }

    /**
     * The next {@code n} {@code POST /runs} get {@code status} before the fake looks at them. The
     * problem detail echoes the request's Authorization header, like a careless proxy would: the
     * operator must never pass that on.
     */
    public void failNextSubmissions(int n, int status) {
        failStatus = status;
        failNext.set(n);
    }

    /**
     * The next {@code n} {@code POST /runs} are held back like the harness holds back a tenant at a limit: {@code status}
     * (429, 402, 403) with {@code Retry-After: retryAfter} (null: none) and a problem with {@code members} besides
     * type/title/status/detail (e.g. {@code limit: max_queued}). Nothing is created.
     */
    public void throttleNextSubmissions(int n, int status, String retryAfter, Map<String, Object> members) {
        Map<String, Object> problem = new java.util.LinkedHashMap<>();
        problem.put("type", "about:blank");
        problem.put("title", status == 403 ? "Forbidden" : "Too Many Requests");
        problem.put("status", status);
        problem.putAll(members);
        throttleProblem = problem;
        throttleRetryAfter = retryAfter;
        throttleNext.set(n);
    }

    /** The next {@code n} {@code POST /runs} are processed (the run exists) but never answered. */
    public void loseNextSubmitResponses(int n) {
        loseNextSubmitResponses.set(n);
    }

    /** From now on {@code POST /runs} waits, unanswered, until {@link #releaseSubmissions} (a slow or stuck harness). */
    public void holdSubmissions() {
        submissionGate = new java.util.concurrent.CountDownLatch(1);
    }

    /** Lets every held and later {@code POST /runs} through. */
    public void releaseSubmissions() {
        submissionGate.countDown();
    }

    /** How many {@code POST /runs} are waiting at the gate right now. */
    public int heldSubmissions() {
        return heldSubmissions.get();
    }

    /** Every {@code Authorization} header received (to prove the token is sent, and only here). */
    public List<String> authorizations() {
        return List.copyOf(authorizations);
    }

    /** The {@code Agent-Harness-Namespace} header of every request received, in order ("-" when absent). */
    public List<String> namespaceHeaders() {
        return List.copyOf(namespaceHeaders);
    }

    /** {@code METHOD path?query} of every request received, in order. */
    public List<String> requestLines() {
        return List.copyOf(requestLines);
    }

    /** One {@code POST /runs}: the {@code traceparent} header it carried (null when none) and its Idempotency-Key. */
    public record Traceparent(String idempotencyKey, String header) {
    }

    /** The {@code traceparent} of every {@code POST /runs} received, in order. */
    public List<Traceparent> submitTraceparents() {
        return List.copyOf(submitTraceparents);
    }

    public long count(String method, String pathPrefix) {
        return requestLines().stream().filter(l -> l.startsWith(method + " " + pathPrefix)).count();
    }

    @Override
    public void close() {
        down();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getRawQuery();
            requestLines.add(method + " " + path + (query == null ? "" : "?" + query));
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            authorizations.add(String.valueOf(authorization));
            String namespace = exchange.getRequestHeaders().getFirst(NAMESPACE_HEADER);
            namespaceHeaders.add(namespace == null ? "-" : namespace);
            if (method.equals("POST") && path.equals("/runs") && failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                send(exchange, failStatus, Problem.of(failStatus, "Failing", "the fake harness is failing on purpose "
                        + "(request had Authorization: " + authorization + ")"));
                return;
            }
            if (!path.equals("/health") && !("Bearer " + token).equals(authorization)) {
                send(exchange, 401, Problem.of(401, "Unauthorized", "the API key is not valid"));
                return;
            }
            if (namespace != null && !namespace.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
                send(exchange, 400, Problem.of(400, "Bad Request", "header " + NAMESPACE_HEADER
                        + ": not a Kubernetes namespace name (RFC 1123 label)"));
                return;
            }
            if (method.equals("POST") && path.equals("/runs")
                    && throttleNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                if (throttleRetryAfter != null) {
                    exchange.getResponseHeaders().set("Retry-After", throttleRetryAfter);
                }
                Map<String, Object> problem = new java.util.LinkedHashMap<>(throttleProblem);
                problem.putIfAbsent("detail", "namespace " + namespace + " is held back (request had Authorization: "
                        + authorization + ")");
                send(exchange, (Integer) problem.get("status"), problem);
                return;
            }
            // Like the harness's delegation: the operator's key acting for a namespace is that namespace's principal.
            String principal = namespace == null ? FakeHarness.OPERATOR : "ns:" + namespace;
            try {
                route(exchange, method, path, query, principal);
            } catch (WebApplicationException e) {
                Response response = e.getResponse();
                send(exchange, response.getStatus(), response.getEntity());
            }
        }
    }

    private void route(HttpExchange exchange, String method, String path, String query, String principal)
            throws IOException {
        if (method.equals("POST") && path.equals("/runs")) {
            heldSubmissions.incrementAndGet();
            try {
                submissionGate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                heldSubmissions.decrementAndGet();
            }
            RunRequest request = JSON.readValue(exchange.getRequestBody(), RunRequest.class);
            String key = exchange.getRequestHeaders().getFirst(HarnessApi.IDEMPOTENCY_KEY);
            String traceparent = exchange.getRequestHeaders().getFirst("traceparent");
            submitTraceparents.add(new Traceparent(key, traceparent));
            // Like the harness: its request span continues the caller's trace, and the run keeps that trace id.
            Response response = harness.createRun(principal, key, exchange.getRequestHeaders().getFirst(HarnessApi.PREFER),
                    request, traceId(traceparent));
            if (loseNextSubmitResponses.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                return; // the run exists; the caller never hears about it (closing without a response)
            }
            exchange.getResponseHeaders().add("Location", response.getHeaderString("Location"));
            send(exchange, response.getStatus(), response.getEntity());
        } else if (method.equals("GET") && path.equals("/runs")) {
            Map<String, String> params = query(query);
            send(exchange, 200, harness.listRuns(principal, params.get("updated_since"), params.get("cursor"),
                    params.containsKey("limit") ? Integer.valueOf(params.get("limit")) : null));
        } else if (method.equals("GET") && path.matches("/runs/[^/]+")) {
            send(exchange, 200, harness.getRun(principal, path.substring("/runs/".length())));
        } else if (method.equals("POST") && path.matches("/runs/[^/]+/cancel")) {
            send(exchange, 200, harness.cancelRun(principal,
                    path.substring("/runs/".length(), path.length() - "/cancel".length())));
        } else if (path.startsWith("/agents/")) {
            agents(exchange, method, path.substring("/agents/".length()).split("/"), principal);
        } else if (method.equals("GET") && path.equals("/health")) {
            send(exchange, 200, harness.health());
        } else {
            send(exchange, 404, Problem.of(404, "Not Found", "no route " + method + " " + path));
        }
    }

    /** {@code AgentsApi} and {@code AgentEvaluationsApi}, served from {@link FakeAgents} with the harness's JSON. */
    @SuppressWarnings("unchecked")
    private void agents(HttpExchange exchange, String method, String[] parts, String principal) throws IOException {
        FakeAgents agents = harness.agents();
        String name = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
        if (parts.length == 1 && method.equals("PUT")) {
            respond(exchange, agents.register(principal, name, JSON.readValue(exchange.getRequestBody(), Map.class)));
        } else if (parts.length == 1 && method.equals("GET")) {
            send(exchange, 200, agents.agent(principal, name));
        } else if (parts.length == 3 && parts[1].equals("versions") && method.equals("GET")) {
            send(exchange, 200, agents.version(principal, name, URLDecoder.decode(parts[2], StandardCharsets.UTF_8)));
        } else if (parts.length == 2 && parts[1].equals("active") && method.equals("PUT")) {
            var activation = JSON.readValue(exchange.getRequestBody(), dev.agentharness.api.agents.AgentActivation.class);
            send(exchange, 200, agents.activate(principal, name, activation.version()));
        } else if (parts.length == 2 && parts[1].equals("evaluations") && method.equals("POST")) {
            respond(exchange, agents.evaluate(principal, name, JSON.readValue(exchange.getRequestBody(),
                    dev.agentharness.api.agents.AgentEvaluationRequest.class)));
        } else if (parts.length == 3 && parts[1].equals("evaluations") && method.equals("GET")) {
            send(exchange, 200, agents.evaluation(principal, name, parts[2]));
        } else {
            send(exchange, 404, Problem.of(404, "Not Found", "no route " + method + " /agents/" + String.join("/", parts)));
        }
    }

    private static void respond(HttpExchange exchange, Response response) throws IOException {
        if (response.getHeaderString("Location") != null) {
            exchange.getResponseHeaders().add("Location", response.getHeaderString("Location"));
        }
        send(exchange, response.getStatus(), response.getEntity());
    }

    private static void send(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", status >= 400 ? Problem.MEDIA_TYPE : "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** The trace id of a valid W3C {@code traceparent} (version 00), else null (the harness would start a trace). */
    static String traceId(String traceparent) {
        if (traceparent == null || !traceparent.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")) {
            return null;
        }
        String traceId = traceparent.substring(3, 35);
        return traceId.equals("0".repeat(32)) ? null : traceId;
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> params = new HashMap<>();
        if (raw == null) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return params;
    }

    private static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
