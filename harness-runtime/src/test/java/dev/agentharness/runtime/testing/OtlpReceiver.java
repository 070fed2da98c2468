package dev.agentharness.runtime.testing;

import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.grpc.server.GrpcServer;

import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * An OTLP trace collector on loopback that speaks both transports on one port — OTLP/HTTP ({@code POST /v1/traces},
 * {@code application/x-protobuf}) and OTLP/gRPC ({@code TraceService/Export}, HTTP/2 cleartext) — and decodes every
 * request with the real {@code opentelemetry-proto} messages. Tests read what arrived as {@link ReceivedSpan}s.
 * {@link #stall(boolean)} makes it accept requests and never answer (a collector that hangs).
 */
public final class OtlpReceiver implements AutoCloseable {

    /** One request as it arrived: transport ({@code http} or {@code grpc}), path, headers (lower-case names). */
    public record Request(String transport, String path, Map<String, String> headers, ExportTraceServiceRequest body) {
    }

    /** One decoded span with its resource and the request that carried it. */
    public record ReceivedSpan(String name, String traceId, String spanId, String parentSpanId,
                               Map<String, Object> attributes, Map<String, Object> resource, int statusCode,
                               Request request) {

        public Object attribute(String key) {
            return attributes.get(key);
        }

        public boolean isRoot() {
            return parentSpanId.isEmpty();
        }
    }

    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile boolean stalled;

    private OtlpReceiver() {
        GrpcServer grpc = GrpcServer.server(vertx).callHandler(TraceServiceGrpc.getExportMethod(), call -> {
            Map<String, String> headers = headers(call.headers());
            call.handler(message -> {
                requests.add(new Request("grpc", call.fullMethodName(), headers, message));
                if (!stalled) {
                    call.response().end(ExportTraceServiceResponse.getDefaultInstance());
                }
            });
        });
        server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
                .setHttp2ClearTextEnabled(true));
        server.requestHandler(request -> {
            String type = request.getHeader("content-type");
            if (type != null && type.startsWith("application/grpc")) {
                grpc.handle(request);
            } else {
                http(request);
            }
        });
        try {
            server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the OTLP receiver could not listen", e);
        }
    }

    public static OtlpReceiver start() {
        return new OtlpReceiver();
    }

    private void http(HttpServerRequest request) {
        if (!"/v1/traces".equals(request.path())) {
            request.response().setStatusCode(404).end();
            return;
        }
        Map<String, String> headers = headers(request.headers());
        request.body().onSuccess(body -> {
            try {
                requests.add(new Request("http", request.path(), headers,
                        ExportTraceServiceRequest.parseFrom(body.getBytes())));
            } catch (InvalidProtocolBufferException e) {
                request.response().setStatusCode(400).end(e.getMessage());
                return;
            }
            if (!stalled) {
                request.response().putHeader("content-type", "application/x-protobuf")
                        .end(io.vertx.core.buffer.Buffer.buffer(
                                ExportTraceServiceResponse.getDefaultInstance().toByteArray()));
            }
        });
    }

    private static Map<String, String> headers(MultiMap headers) {
        Map<String, String> copy = new LinkedHashMap<>();
        headers.forEach(entry -> copy.put(entry.getKey().toLowerCase(Locale.ROOT), entry.getValue()));
        return copy;
    }

    public int port() {
        return server.actualPort();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port();
    }

    /** While true, requests are read and recorded but never answered. */
    public void stall(boolean stall) {
        this.stalled = stall;
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public void clear() {
        requests.clear();
    }

    /** Every span received so far, in arrival order. */
    public List<ReceivedSpan> spans() {
        return requests.stream().flatMap(request -> request.body().getResourceSpansList().stream()
                .flatMap(resourceSpans -> spansOf(resourceSpans, request).stream())).toList();
    }

    private static List<ReceivedSpan> spansOf(ResourceSpans resourceSpans, Request request) {
        Map<String, Object> resource = attributes(resourceSpans.getResource().getAttributesList());
        return resourceSpans.getScopeSpansList().stream().map(ScopeSpans::getSpansList).flatMap(List::stream)
                .map(span -> decode(span, resource, request)).toList();
    }

    private static ReceivedSpan decode(Span span, Map<String, Object> resource, Request request) {
        HexFormat hex = HexFormat.of();
        return new ReceivedSpan(span.getName(), hex.formatHex(span.getTraceId().toByteArray()),
                hex.formatHex(span.getSpanId().toByteArray()), hex.formatHex(span.getParentSpanId().toByteArray()),
                attributes(span.getAttributesList()), resource, span.getStatus().getCodeValue(), request);
    }

    /** Attributes as plain Java values: String, Long, Double, Boolean or a List of them. */
    static Map<String, Object> attributes(List<KeyValue> keyValues) {
        return keyValues.stream().collect(Collectors.toMap(KeyValue::getKey, kv -> value(kv.getValue()),
                (a, b) -> b, LinkedHashMap::new));
    }

    private static Object value(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> value.getStringValue();
            case INT_VALUE -> value.getIntValue();
            case DOUBLE_VALUE -> value.getDoubleValue();
            case BOOL_VALUE -> value.getBoolValue();
            case ARRAY_VALUE -> value.getArrayValue().getValuesList().stream().map(OtlpReceiver::value).toList();
            case BYTES_VALUE -> HexFormat.of().formatHex(value.getBytesValue().toByteArray());
            default -> value.toString();
        };
    }

    @Override
    public void close() {
        try {
            server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // closing a test server: nothing to do about it
        } finally {
            vertx.close();
        }
    }
}
