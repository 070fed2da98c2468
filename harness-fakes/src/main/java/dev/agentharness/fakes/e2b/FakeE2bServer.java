package dev.agentharness.fakes.e2b;

import dev.agentharness.fakes.QueryStrings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A FAKE E2B for offline tests: it is not E2B, and no microVM runs here. One HTTP server on
 * 127.0.0.1 serves both planes:
 * <ul>
 *   <li>the <b>control plane</b> (REST, {@code X-API-Key}): create, get, list (v2, metadata filter),
 *   kill, timeout, pause, connect, health. Every request body and query string is validated against
 *   {@code openapi.yml} ({@link E2bSpec}); a violation is answered {@code 400} with the spec's
 *   {@code Error} body and recorded. Every response body the fake sends is validated too.</li>
 *   <li><b>envd</b> ({@link FakeEnvd}), chosen by the {@code E2b-Sandbox-Id} header (or a
 *   {@code 49983-<id>.<domain>} host): Connect {@code Process/Start} streaming, {@code ListDir},
 *   {@code /files}, {@code /health}; {@code X-Access-Token} is required for secure sandboxes.</li>
 * </ul>
 * Commands really run, each sandbox's filesystem being a private temporary directory bound at
 * {@code /} under bubblewrap ({@link FakeVm}; without {@code /usr/bin/bwrap} a command ends with
 * {@code unavailable}). Sandboxes expire at their {@code timeout}. Tests can kill or pause a sandbox
 * behind the client's back, make the stream send keepalives or split a UTF-8 character across two
 * chunks, fail control-plane calls transiently, put files into the "template image" (a git mirror and
 * an {@code /etc/gitconfig} redirecting a GitHub URL to it, for example), and read every request.
 * The fake is stricter than E2B where that catches client bugs (unknown fields are violations) and
 * rotates a sandbox's envd token when {@code connect} resumes it, so a client must use the new one.
 */
public final class FakeE2bServer implements AutoCloseable {

    /** The API key the fake accepts unless another is given. */
    public static final String DEFAULT_API_KEY = "e2b_fake_0123456789abcdef0123456789abcdef";
    public static final String ENVD_VERSION = "0.6.4";
    private static final Pattern DIRECT_HOST = Pattern.compile("49983-([a-z0-9]+)\\..*");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A problem with what a client sent (or, for {@code response}, with what the fake would answer). */
    public record Violation(String where, String message) {
    }

    /** A sandbox as the fake holds it, for assertions. */
    public record SandboxView(String sandboxId, String state, boolean secure, Boolean allowInternetAccess,
                              Map<String, String> metadata, Map<String, String> envVars, JsonNode network,
                              Instant endAt) {
    }

    private final String apiKey;
    private final E2bSpec spec = E2bSpec.load();
    private final FakeEnvd envd = new FakeEnvd(this);
    private final Map<String, FakeVm> sandboxes = new ConcurrentHashMap<>();
    private final List<RecordedE2bRequest> requests = Collections.synchronizedList(new ArrayList<>());
    private final List<Violation> violations = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger transientFailures = new AtomicInteger();
    private final Optional<Path> bubblewrap;
    private volatile int transientStatus = 503;
    private volatile String retryAfter;
    private volatile int keepalives;
    private volatile boolean splitUtf8;
    private volatile String domain;
    private final Map<String, Path> imageTrees = new ConcurrentHashMap<>();
    private final Map<String, byte[]> imageFiles = new ConcurrentHashMap<>();
    private Path vmBase;
    private HttpServer server;
    private ExecutorService executor;

    public FakeE2bServer() {
        this(DEFAULT_API_KEY);
    }

    public FakeE2bServer(String apiKey) {
        this.apiKey = apiKey;
        Path bwrap = Path.of("/usr/bin/bwrap");
        this.bubblewrap = Files.isExecutable(bwrap) ? Optional.of(bwrap) : Optional.empty();
    }

    /** Starts listening on 127.0.0.1; port 0 picks a free port. */
    public FakeE2bServer start(int port) {
        try {
            vmBase = Files.createTempDirectory("fake-e2b-");
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        } catch (IOException e) {
            throw new UncheckedIOException("FakeE2bServer could not start", e);
        }
        executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        return this;
    }

    /** Base URL of both planes, e.g. {@code http://127.0.0.1:41234}: use it as E2B_API_URL and E2B_SANDBOX_URL. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public String apiKey() {
        return apiKey;
    }

    // --- test controls ------------------------------------------------------------------------------

    /** Kills a sandbox now, as E2B would at its TTL or after a crash: gone from the API, envd unreachable. */
    public void kill(String sandboxId) {
        FakeVm vm = sandboxes.remove(sandboxId);
        if (vm != null) {
            vm.delete();
        }
    }

    /** Pauses a running sandbox, as an operator or {@code autoPause} would; {@code connect} resumes it. */
    public void pause(String sandboxId) {
        FakeVm vm = sandboxes.get(sandboxId);
        if (vm != null) {
            vm.state = "paused";
        }
    }

    /** Keepalive frames each {@code Process/Start} stream sends after its start event. */
    public FakeE2bServer keepalives(int count) {
        this.keepalives = count;
        return this;
    }

    /** When true, output chunks are cut inside the first multi-byte UTF-8 character of each read. */
    public FakeE2bServer splitUtf8(boolean split) {
        this.splitUtf8 = split;
        return this;
    }

    /** A file every sandbox created from now on starts with (the template's image), e.g. {@code /etc/gitconfig}. */
    public FakeE2bServer imageFile(String vmPath, String content) {
        imageFiles.put(vmPath, content.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** A host directory copied to {@code vmPath} in every sandbox created from now on (e.g. a git mirror). */
    public FakeE2bServer imageTree(String vmPath, Path hostDirectory) {
        imageTrees.put(vmPath, hostDirectory);
        return this;
    }

    /** The {@code domain} field of Sandbox answers (null by default, as the spec allows). */
    public FakeE2bServer domain(String domain) {
        this.domain = domain;
        return this;
    }

    /** The next {@code count} control-plane requests fail with {@code status} (and {@code Retry-After}, if given). */
    public FakeE2bServer failNextControlRequests(int count, int status, String retryAfterSeconds) {
        this.transientStatus = status;
        this.retryAfter = retryAfterSeconds;
        this.transientFailures.set(count);
        return this;
    }

    public List<SandboxView> sandboxes() {
        expire();
        return sandboxes.values().stream().map(FakeE2bServer::view).toList();
    }

    public Optional<SandboxView> sandbox(String sandboxId) {
        return Optional.ofNullable(live(sandboxId)).map(FakeE2bServer::view);
    }

    /** Every request received, oldest first, rejected ones included. */
    public List<RecordedE2bRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** Every contract violation seen (client requests and, should the fake err, its own responses). */
    public List<Violation> violations() {
        synchronized (violations) {
            return List.copyOf(violations);
        }
    }

    public void clear() {
        requests.clear();
        violations.clear();
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
        }
        sandboxes.values().forEach(FakeVm::delete);
        sandboxes.clear();
        if (vmBase != null) {
            try {
                Files.deleteIfExists(vmBase);
            } catch (IOException e) {
                // left behind in /tmp
            }
        }
    }

    int keepalives() {
        return keepalives;
    }

    boolean splitUtf8() {
        return splitUtf8;
    }

    Optional<Path> bubblewrap() {
        return bubblewrap;
    }

    void violation(String where, String message) {
        violations.add(new Violation(where, message));
    }

    // --- dispatch -------------------------------------------------------------------------------------

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Optional<String> envdTarget = envdTarget(exchange);
            record(exchange, envdTarget.isPresent() ? "envd" : "control", body);
            if (envdTarget.isPresent()) {
                FakeVm vm = live(envdTarget.get());
                if (vm == null || !vm.running()) {
                    // What E2B's edge answers for a sandbox that is not running: the SDK reads 502 as "not running".
                    byte[] bytes = JSON.writeValueAsBytes(JSON.createObjectNode().put("code", 502)
                            .put("message", vm == null ? "The sandbox was not found" : "The sandbox is paused")
                            .put("sandboxId", envdTarget.get()));
                    exchange.getResponseHeaders().set("Content-Type", "application/json");
                    exchange.sendResponseHeaders(502, bytes.length);
                    exchange.getResponseBody().write(bytes);
                    return;
                }
                envd.handle(exchange, vm, body);
                return;
            }
            control(exchange, body);
        }
    }

    private Optional<String> envdTarget(HttpExchange exchange) {
        String id = exchange.getRequestHeaders().getFirst("E2b-Sandbox-Id");
        if (id != null) {
            if (!"49983".equals(exchange.getRequestHeaders().getFirst("E2b-Sandbox-Port"))) {
                violation("envd", "E2b-Sandbox-Id without E2b-Sandbox-Port: 49983");
            }
            return Optional.of(id);
        }
        String host = exchange.getRequestHeaders().getFirst("Host");
        Matcher direct = host == null ? null : DIRECT_HOST.matcher(host);
        return direct != null && direct.matches() ? Optional.of(direct.group(1)) : Optional.empty();
    }

    private void control(HttpExchange exchange, byte[] body) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getPath();
        Optional<E2bSpec.Operation> operation = spec.operation(method, path);
        if (!apiKey.equals(exchange.getRequestHeaders().getFirst("X-API-Key"))) {
            // Never echoes the key it was given.
            error(exchange, null, 401, "Invalid API key, please visit https://e2b.dev/docs/quickstart/api-key to get your API key", null);
            return;
        }
        if (operation.isEmpty()) {
            error(exchange, null, 404, "no route for " + method + " " + path, null);
            return;
        }
        if (transientFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            if (retryAfter != null) {
                exchange.getResponseHeaders().set("Retry-After", retryAfter);
            }
            error(exchange, operation.get(), transientStatus, "transient failure injected by the test", null);
            return;
        }
        JsonNode json = null;
        List<String> problems = new ArrayList<>();
        if (body.length > 0) {
            String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
            if (contentType == null || !contentType.startsWith("application/json")) {
                problems.add("request body without Content-Type: application/json");
            }
            try {
                json = JSON.readTree(body);
            } catch (IOException e) {
                problems.add("request body is not JSON");
            }
        }
        if (problems.isEmpty()) {
            problems.addAll(spec.checkRequestBody(operation.get(), json));
            problems.addAll(spec.checkQuery(operation.get(), QueryStrings.parseAll(exchange.getRequestURI().getRawQuery())));
        }
        if (!problems.isEmpty()) {
            problems.forEach(problem -> violation(method + " " + operation.get().template(), problem));
            error(exchange, operation.get(), 400, String.join("; ", problems), null);
            return;
        }
        JsonNode request = json;
        String template = operation.get().template();
        if (json == null && (template.endsWith("/timeout") || template.endsWith("/connect"))) {
            violation(method + " " + template, "the request body with 'timeout' is required");
            error(exchange, operation.get(), 400, "request body with 'timeout' is required", null);
            return;
        }
        String id = template.contains("{sandboxID}") ? path.split("/")[template.startsWith("/v2") ? 3 : 2] : null;
        switch (method + " " + template) {
            case "GET /health" -> respond(exchange, operation.get(), 204, null);
            case "POST /sandboxes" -> create(exchange, operation.get(), request);
            case "GET /sandboxes/{sandboxID}" -> withSandbox(exchange, operation.get(), id,
                    vm -> respond(exchange, operation.get(), 200, detail(vm)));
            case "GET /v2/sandboxes" -> list(exchange, operation.get());
            case "DELETE /sandboxes/{sandboxID}" -> withSandbox(exchange, operation.get(), id, vm -> {
                kill(id);
                respond(exchange, operation.get(), 204, null);
            });
            case "POST /sandboxes/{sandboxID}/timeout" -> withSandbox(exchange, operation.get(), id, vm -> {
                vm.endAt = Instant.now().plusSeconds(request.get("timeout").asLong());
                respond(exchange, operation.get(), 204, null);
            });
            case "POST /sandboxes/{sandboxID}/pause" -> withSandbox(exchange, operation.get(), id, vm -> {
                if (!vm.running()) {
                    error(exchange, operation.get(), 409, "Sandbox '" + id + "' is already paused", null);
                    return;
                }
                vm.state = "paused";
                respond(exchange, operation.get(), 204, null);
            });
            case "POST /sandboxes/{sandboxID}/connect" -> withSandbox(exchange, operation.get(), id, vm -> {
                boolean resumed = !vm.running();
                if (resumed) {
                    vm.state = "running";
                    // A resumed sandbox gets a fresh envd token here, so a client must take it from this answer.
                    vm.accessToken = token();
                }
                Instant requested = Instant.now().plusSeconds(request.get("timeout").asLong());
                if (requested.isAfter(vm.endAt)) {
                    vm.endAt = requested;
                }
                respond(exchange, operation.get(), resumed ? 201 : 200, sandbox(vm));
            });
            default -> error(exchange, operation.get(), 404, "this fake does not implement " + method + " " + template, null);
        }
    }

    private interface VmAction {
        void apply(FakeVm vm) throws IOException;
    }

    private void withSandbox(HttpExchange exchange, E2bSpec.Operation operation, String id, VmAction action)
            throws IOException {
        FakeVm vm = live(id);
        if (vm == null) {
            error(exchange, operation, 404, "sandbox \"" + id + "\" doesn't exist or you don't have access to it", null);
            return;
        }
        action.apply(vm);
    }

    private void create(HttpExchange exchange, E2bSpec.Operation operation, JsonNode body) throws IOException {
        String id = randomId(20);
        boolean secure = body.path("secure").asBoolean(false);
        // The spec's default timeout is 15 s: a client that forgets it gets a sandbox that dies quickly.
        long timeout = body.has("timeout") ? body.get("timeout").asLong() : 15;
        FakeVm vm = new FakeVm(id, body.get("templateID").asText(), randomId(8), secure,
                body.has("allow_internet_access") ? body.get("allow_internet_access").asBoolean() : null,
                strings(body.path("metadata")), strings(body.path("envVars")), body.get("network"),
                secure ? token() : "", Instant.now().plusSeconds(timeout), vmBase.resolve(id));
        for (Map.Entry<String, byte[]> file : imageFiles.entrySet()) {
            Path target = vm.host(file.getKey()).orElseThrow();
            Files.createDirectories(target.getParent());
            Files.write(target, file.getValue());
        }
        for (Map.Entry<String, Path> tree : imageTrees.entrySet()) {
            copyTree(tree.getValue(), vm.host(tree.getKey()).orElseThrow());
        }
        sandboxes.put(id, vm);
        respond(exchange, operation, 201, sandbox(vm));
    }

    private void list(HttpExchange exchange, E2bSpec.Operation operation) throws IOException {
        Map<String, String> query = QueryStrings.parse(exchange.getRequestURI().getRawQuery());
        Map<String, String> wanted = QueryStrings.parse(query.getOrDefault("metadata", ""));
        List<String> states = query.containsKey("state") ? List.of(query.get("state").split(",")) : List.of("running", "paused");
        int limit = Integer.parseInt(query.getOrDefault("limit", "100"));
        int offset = query.containsKey("nextToken") ? Integer.parseInt(query.get("nextToken")) : 0;
        expire();
        List<FakeVm> matching = sandboxes.values().stream()
                .filter(vm -> states.contains(vm.state))
                .filter(vm -> wanted.entrySet().stream().allMatch(w -> w.getValue().equals(vm.metadata.get(w.getKey()))))
                .sorted(java.util.Comparator.comparing((FakeVm vm) -> vm.startedAt).reversed())
                .toList();
        ArrayNode page = JSON.createArrayNode();
        matching.stream().skip(offset).limit(limit).forEach(vm -> page.add(listed(vm)));
        if (offset + limit < matching.size()) {
            exchange.getResponseHeaders().set("X-Next-Token", Integer.toString(offset + limit));
        }
        exchange.getResponseHeaders().set("X-Total-Running",
                Long.toString(matching.stream().filter(FakeVm::running).count()));
        respond(exchange, operation, 200, page);
    }

    // --- bodies ---------------------------------------------------------------------------------------

    private ObjectNode sandbox(FakeVm vm) {
        ObjectNode node = JSON.createObjectNode()
                .put("templateID", vm.templateId)
                .put("sandboxID", vm.id)
                .put("clientID", vm.clientId)
                .put("envdVersion", ENVD_VERSION);
        if (vm.secure) {
            node.put("envdAccessToken", vm.accessToken);
        }
        node.putNull("trafficAccessToken");
        if (domain == null) {
            node.putNull("domain");
        } else {
            node.put("domain", domain);
        }
        return node;
    }

    private ObjectNode listed(FakeVm vm) {
        ObjectNode node = JSON.createObjectNode()
                .put("templateID", vm.templateId)
                .put("sandboxID", vm.id)
                .put("clientID", vm.clientId)
                .put("startedAt", vm.startedAt.truncatedTo(ChronoUnit.MILLIS).toString())
                .put("endAt", vm.endAt.truncatedTo(ChronoUnit.MILLIS).toString())
                .put("cpuCount", 2)
                .put("memoryMB", 512)
                .put("diskSizeMB", 2048)
                .put("state", vm.state)
                .put("envdVersion", ENVD_VERSION);
        ObjectNode metadata = node.putObject("metadata");
        vm.metadata.forEach(metadata::put);
        node.putArray("volumeMounts");
        return node;
    }

    private ObjectNode detail(FakeVm vm) {
        ObjectNode node = listed(vm);
        if (vm.secure) {
            node.put("envdAccessToken", vm.accessToken);
        }
        if (vm.allowInternetAccess == null) {
            node.putNull("allowInternetAccess");
        } else {
            node.put("allowInternetAccess", vm.allowInternetAccess);
        }
        if (domain == null) {
            node.putNull("domain");
        } else {
            node.put("domain", domain);
        }
        if (vm.network != null) {
            node.set("network", vm.network);
        }
        node.putObject("lifecycle").put("autoResume", false).put("onTimeout", "kill");
        return node;
    }

    private static SandboxView view(FakeVm vm) {
        return new SandboxView(vm.id, vm.state, vm.secure, vm.allowInternetAccess, vm.metadata, vm.envVars,
                vm.network, vm.endAt);
    }

    // --- plumbing ---------------------------------------------------------------------------------------

    /** The sandbox if it exists and has not outlived its timeout (an expired one is killed now). */
    private FakeVm live(String id) {
        expire();
        return id == null ? null : sandboxes.get(id);
    }

    private void expire() {
        Instant now = Instant.now();
        sandboxes.values().stream().filter(vm -> now.isAfter(vm.endAt)).map(vm -> vm.id).toList().forEach(this::kill);
    }

    private void respond(HttpExchange exchange, E2bSpec.Operation operation, int status, JsonNode body) throws IOException {
        for (String problem : spec.checkResponse(operation, status, body)) {
            violation("response " + operation.method() + " " + operation.template() + " " + status, problem);
        }
        if (body == null) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /** The spec's {@code Error} body: {@code code} (the HTTP status), {@code message}, optional {@code error_code}. */
    private void error(HttpExchange exchange, E2bSpec.Operation operation, int status, String message, String errorCode)
            throws IOException {
        ObjectNode body = JSON.createObjectNode().put("code", status).put("message", message);
        if (errorCode != null) {
            body.put("error_code", errorCode);
        }
        for (String problem : spec.checkComponent("Error", body)) {
            violation("response " + status, problem);
        }
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private void record(HttpExchange exchange, String plane, byte[] body) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            boolean secret = lower.equals("x-api-key") || lower.equals("x-access-token");
            headers.put(lower, secret ? values.stream().map(v -> "***").toList() : List.copyOf(values));
        });
        requests.add(new RecordedE2bRequest(plane, exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                exchange.getRequestURI().getRawQuery(), headers, body, Instant.now()));
    }

    private static void copyTree(Path source, Path target) throws IOException {
        try (var paths = Files.walk(source)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Path destination = target.resolve(source.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(destination);
                } else {
                    Files.copy(path, destination, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static Map<String, String> strings(JsonNode object) {
        Map<String, String> map = new LinkedHashMap<>();
        object.properties().forEach(e -> map.put(e.getKey(), e.getValue().asText()));
        return map;
    }

    private static String randomId(int length) {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder id = new StringBuilder();
        for (int i = 0; i < length; i++) {
            id.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return id.toString();
    }

    private static String token() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
