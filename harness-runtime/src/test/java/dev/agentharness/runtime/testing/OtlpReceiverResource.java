package dev.agentharness.runtime.testing;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A minimal OTLP/HTTP collector on loopback: accepts {@code POST /v1/traces} and remembers each
 * request's content type and size, so a test can see that spans really leave the harness.
 */
public class OtlpReceiverResource implements QuarkusTestResourceLifecycleManager {

    /** {@code text}: the protobuf body as ISO-8859-1, so every string attribute can be searched for verbatim. */
    public record Export(String path, String contentType, int bytes, String text) {
        @Override
        public String toString() {
            return "Export[" + path + ", " + contentType + ", " + bytes + " bytes]";
        }
    }

    private static final List<Export> EXPORTS = new CopyOnWriteArrayList<>();
    private HttpServer server;

    public static List<Export> exports() {
        return List.copyOf(EXPORTS);
    }

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            EXPORTS.add(new Export(exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Content-Type"), body.length,
                    new String(body, java.nio.charset.StandardCharsets.ISO_8859_1)));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        return Map.of(
                "harness.otel.endpoint", "http://127.0.0.1:" + server.getAddress().getPort(),
                "quarkus.otel.bsp.schedule.delay", "100ms");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
