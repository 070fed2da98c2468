package dev.agentharness.fakes.entra;

import dev.agentharness.fakes.QueryStrings;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A FAKE of the managed-identity token endpoint that Azure Container Apps and App Service give a container
 * ({@code IDENTITY_ENDPOINT}, {@code IDENTITY_HEADER}; protocol {@code api-version=2019-08-01}), for offline tests of
 * Microsoft Entra ID authentication. It is not Entra ID: the tokens are opaque strings {@code entra-token-1},
 * {@code entra-token-2}, … with the lifetime the test sets.
 *
 * <p>The wire format is the real one: {@code GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=<audience>
 * [&client_id=<user-assigned identity>]} with header {@code X-IDENTITY-HEADER: <IDENTITY_HEADER>}; the answer is
 * {@code {"access_token", "expires_on" (epoch seconds, a string), "resource", "token_type": "Bearer", "client_id"}}.
 * A wrong or missing header is refused with 401, a missing {@code resource} or another {@code api-version} with 400,
 * as the real endpoint does.
 */
public final class FakeManagedIdentityEndpoint implements AutoCloseable {

    public static final String PATH = "/msi/token";
    public static final String API_VERSION = "2019-08-01";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One token request as received. */
    public record TokenRequest(String method, Map<String, String> query, String identityHeader) {
    }

    private final String identityHeader;
    private final List<TokenRequest> requests = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger issued = new AtomicInteger();
    private volatile Duration lifetime = Duration.ofHours(24);
    private HttpServer server;

    /** {@code identityHeader}: the secret the platform puts in {@code IDENTITY_HEADER}. */
    public FakeManagedIdentityEndpoint(String identityHeader) {
        this.identityHeader = identityHeader;
    }

    public FakeManagedIdentityEndpoint start() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext(PATH, this::handle);
        server.start();
        return this;
    }

    /** The value for {@code IDENTITY_ENDPOINT}. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + PATH;
    }

    /** How long the tokens issued from now on are valid. */
    public FakeManagedIdentityEndpoint lifetime(Duration lifetime) {
        this.lifetime = lifetime;
        return this;
    }

    public List<TokenRequest> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** How many tokens were issued. */
    public int issued() {
        return issued.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> query = QueryStrings.parse(exchange.getRequestURI().getRawQuery());
            String header = exchange.getRequestHeaders().getFirst("X-IDENTITY-HEADER");
            requests.add(new TokenRequest(exchange.getRequestMethod(), query, header));
            if (!"GET".equals(exchange.getRequestMethod())) {
                send(exchange, 405, Map.of("error", "method_not_allowed"));
                return;
            }
            if (header == null || !header.equals(identityHeader)) {
                send(exchange, 401, Map.of("statusCode", 401, "message",
                        "Unauthorized request: X-IDENTITY-HEADER is missing or does not match"));
                return;
            }
            if (!API_VERSION.equals(query.get("api-version"))) {
                send(exchange, 400, Map.of("statusCode", 400, "message", "api-version " + query.get("api-version")
                        + " is not supported; use " + API_VERSION));
                return;
            }
            String resource = query.get("resource");
            if (resource == null || resource.isBlank()) {
                send(exchange, 400, Map.of("statusCode", 400, "message", "Required query variable 'resource' is missing"));
                return;
            }
            Map<String, Object> token = new LinkedHashMap<>();
            token.put("access_token", "entra-token-" + issued.incrementAndGet());
            token.put("expires_on", Long.toString(Instant.now().plus(lifetime).getEpochSecond()));
            token.put("resource", resource);
            token.put("token_type", "Bearer");
            token.put("client_id", query.getOrDefault("client_id", "00000000-0000-0000-0000-00000000c11e"));
            send(exchange, 200, token);
        }
    }

    private static void send(HttpExchange exchange, int status, Map<String, ?> body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
    }
}
