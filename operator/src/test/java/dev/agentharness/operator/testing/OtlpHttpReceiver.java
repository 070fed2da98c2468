package dev.agentharness.operator.testing;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * An OTLP/HTTP receiver ({@code POST /v1/traces}, protobuf) that decodes every export with the real OTLP messages,
 * and, as a test resource, the standard variables that point the operator at it: {@code OTEL_EXPORTER_OTLP_ENDPOINT}
 * and {@code OTEL_EXPORTER_OTLP_HEADERS} (as configuration names, which the {@code ${OTEL_...:}} expressions of
 * application.properties resolve like the environment variables); the protocol and service name are left to the
 * operator's defaults.
 */
public class OtlpHttpReceiver implements QuarkusTestResourceLifecycleManager {

    public static final String HEADER = "x-otlp-key";
    public static final String HEADER_VALUE = "Bearer otlp-secret-1234";

    /** One export as it arrived: the decoded request and the header the exporter was told to send. */
    public record Export(ExportTraceServiceRequest request, String header, String contentType) {
    }

    private static final List<Export> EXPORTS = Collections.synchronizedList(new ArrayList<>());
    private HttpServer server;

    public static List<Export> exports() {
        return List.copyOf(EXPORTS);
    }

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/v1/traces", exchange -> {
            try (exchange) {
                ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(exchange.getRequestBody());
                EXPORTS.add(new Export(request, exchange.getRequestHeaders().getFirst(HEADER),
                        exchange.getRequestHeaders().getFirst("Content-Type")));
                byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, answer.length);
                exchange.getResponseBody().write(answer);
            }
        });
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + server.getAddress().getPort(),
                // Percent-encoded, as the specification writes header values: the operator must send them decoded.
                "OTEL_EXPORTER_OTLP_HEADERS", HEADER + "=" + HEADER_VALUE.replace(" ", "%20"),
                "OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=operator-test",
                "quarkus.otel.bsp.schedule.delay", "50ms");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
