package dev.agentharness.runtime.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;

/**
 * An Application Insights ingestion endpoint on loopback, speaking what the Azure Monitor exporter sends:
 * {@code POST <IngestionEndpoint>v2.1/track} with a gzip-compressed body of newline-delimited JSON telemetry
 * envelopes ({@code name}, {@code iKey}, {@code tags}, {@code data.baseType}/{@code baseData}), answered like the
 * Breeze service: {@code 200 {"itemsReceived":n,"itemsAccepted":n,"errors":[]}}. Every request is decoded; tests read
 * the envelopes and the raw (decompressed) bodies. Any other path is recorded and answered 404.
 */
public final class ApplicationInsightsReceiver implements AutoCloseable {

    public static final String TRACK_PATH = "/v2.1/track";

    /** One POST as it arrived: path, headers (lower-case names), the decompressed body. */
    public record Request(String path, Map<String, String> headers, String body) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<JsonNode> envelopes = new CopyOnWriteArrayList<>();

    private ApplicationInsightsReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException("the Application Insights receiver could not listen", e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    public static ApplicationInsightsReceiver start() {
        return new ApplicationInsightsReceiver();
    }

    /** The IngestionEndpoint of a connection string pointing here (with its trailing slash, as Azure writes it). */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> headers = new LinkedHashMap<>();
            exchange.getRequestHeaders().forEach((name, values) ->
                    headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
            String body;
            try (InputStream raw = exchange.getRequestBody();
                 InputStream in = "gzip".equalsIgnoreCase(headers.get("content-encoding"))
                         ? new GZIPInputStream(raw) : raw) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            String path = exchange.getRequestURI().getPath();
            requests.add(new Request(path, headers, body));
            if (!"POST".equals(exchange.getRequestMethod()) || !TRACK_PATH.equals(path)) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            List<JsonNode> received = new ArrayList<>();
            for (String line : body.split("\n")) {
                if (!line.isBlank()) {
                    received.add(JSON.readTree(line));
                }
            }
            envelopes.addAll(received);
            byte[] answer = ("{\"itemsReceived\":" + received.size() + ",\"itemsAccepted\":" + received.size()
                    + ",\"errors\":[]}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("content-type", "application/json; charset=utf-8");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
        }
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** Every envelope received so far, in arrival order. */
    public List<JsonNode> envelopes() {
        return List.copyOf(envelopes);
    }

    /** The span envelopes (requests and dependencies) of one trace: those whose {@code ai.operation.id} is it. */
    public List<JsonNode> spansOf(String traceId) {
        return envelopes.stream().filter(envelope -> traceId.equals(envelope.path("tags").path("ai.operation.id")
                .asText())).filter(envelope -> List.of("RequestData", "RemoteDependencyData")
                .contains(envelope.path("data").path("baseType").asText())).toList();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
