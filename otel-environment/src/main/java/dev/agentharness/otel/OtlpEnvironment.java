package dev.agentharness.otel;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The standard OpenTelemetry exporter variables, as the specification reads them, turned into Quarkus's own trace
 * exporter configuration ({@code quarkus.otel.exporter.otlp.traces.*}, {@code quarkus.otel.service.name},
 * {@code quarkus.otel.resource.attributes}) — rules a {@code ${OTEL_...:}} expression cannot express:
 * <ul>
 *   <li>protocol: {@code OTEL_EXPORTER_OTLP_TRACES_PROTOCOL}, else {@code OTEL_EXPORTER_OTLP_PROTOCOL}, else the
 *       spec's default {@code http/protobuf} — except for an endpoint on port 4317, the registered OTLP/gRPC port,
 *       which gets {@code grpc} (http/protobuf there can only fail; Azure Container Apps' managed agent listens
 *       there);</li>
 *   <li>endpoint: {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} is used as it is; {@code OTEL_EXPORTER_OTLP_ENDPOINT}
 *       gets {@code /v1/traces} appended over http/protobuf. Quarkus's sender always appends {@code /v1/traces} to
 *       its endpoint's path, so a per-signal http/protobuf endpoint is handed to it without that suffix — and one
 *       with another path is refused, since Quarkus cannot send there;</li>
 *   <li>headers: {@code OTEL_EXPORTER_OTLP_TRACES_HEADERS}, else {@code OTEL_EXPORTER_OTLP_HEADERS}, as
 *       {@code key=value} pairs with percent-encoded values (the spec's format);</li>
 *   <li>{@code OTEL_SERVICE_NAME}, {@code OTEL_RESOURCE_ATTRIBUTES} (percent-decoded);
 *       {@code OTEL_TRACES_EXPORTER=none} switches the export off.</li>
 * </ul>
 * {@value #EXPORTING} says whether an endpoint was given: without one Quarkus would export to localhost:4317
 * (each application's no-op SpanExporter bean, looked up unless this is true, keeps Quarkus from building its exporter at all). Ordinal {@value #ORDINAL}: below
 * application.properties and the {@code QUARKUS_OTEL_*} variables, which still win. Bad values fail the start with
 * the variable named. Header values are never logged.
 */
public class OtlpEnvironment implements ConfigSourceFactory {

    static final int ORDINAL = 200;
    /** {@code true} when traces go to an OTLP endpoint. */
    public static final String EXPORTING = "agentharness.otel.traces.exporting";
    static final String GRPC = "grpc";
    static final String HTTP_PROTOBUF = "http/protobuf";
    private static final String TRACES_PATH = "/v1/traces";
    private static final int OTLP_GRPC_PORT = 4317;

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        return List.of(new PropertiesConfigSource(derive(name -> value(context, name)), "otel-environment",
                ORDINAL));
    }

    /** The Quarkus properties for the variables {@code env} answers (null or blank = unset). */
    public static Map<String, String> derive(java.util.function.Function<String, String> env) {
        Map<String, String> out = new HashMap<>();
        String serviceName = env.apply("OTEL_SERVICE_NAME");
        if (serviceName != null) {
            out.put("quarkus.otel.service.name", serviceName);
        }
        String resource = env.apply("OTEL_RESOURCE_ATTRIBUTES");
        if (resource != null) {
            out.put("quarkus.otel.resource.attributes", quarkusList(pairs("OTEL_RESOURCE_ATTRIBUTES", resource)));
        }
        String exporter = env.apply("OTEL_TRACES_EXPORTER");
        if (exporter != null && !List.of("otlp", "none").contains(exporter.strip().toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("OTEL_TRACES_EXPORTER: '" + exporter + "' is not supported here "
                    + "(otlp or none)");
        }
        String signalEndpoint = env.apply("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        String baseEndpoint = env.apply("OTEL_EXPORTER_OTLP_ENDPOINT");
        boolean quarkusEndpointSet = env.apply("quarkus.otel.exporter.otlp.traces.endpoint") != null
                || env.apply("quarkus.otel.exporter.otlp.endpoint") != null;
        boolean off = exporter != null && exporter.strip().equalsIgnoreCase("none");
        if (off || (signalEndpoint == null && baseEndpoint == null)) {
            out.put(EXPORTING, Boolean.toString(!off && quarkusEndpointSet));
            return out;
        }
        String endpointVariable = signalEndpoint != null ? "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
                : "OTEL_EXPORTER_OTLP_ENDPOINT";
        URI endpoint = uri(endpointVariable, signalEndpoint != null ? signalEndpoint : baseEndpoint);
        String protocol = protocol(env, endpoint);
        String target = endpoint.toString();
        if (signalEndpoint != null && protocol.equals(HTTP_PROTOBUF)) {
            String path = endpoint.getPath().replaceAll("/+$", "");
            if (!path.endsWith(TRACES_PATH)) {
                throw new IllegalArgumentException("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: over http/protobuf its path "
                        + "must end in " + TRACES_PATH + " (the exporter sends to <base>" + TRACES_PATH
                        + "); set OTEL_EXPORTER_OTLP_ENDPOINT to the base URL instead");
            }
            target = endpoint.getScheme() + "://" + endpoint.getRawAuthority()
                    + path.substring(0, path.length() - TRACES_PATH.length());
        }
        out.put("quarkus.otel.exporter.otlp.traces.endpoint", target);
        out.put("quarkus.otel.exporter.otlp.traces.protocol", protocol);
        String signalHeaders = env.apply("OTEL_EXPORTER_OTLP_TRACES_HEADERS");
        String headersVariable = signalHeaders != null ? "OTEL_EXPORTER_OTLP_TRACES_HEADERS"
                : "OTEL_EXPORTER_OTLP_HEADERS";
        String headers = signalHeaders != null ? signalHeaders : env.apply("OTEL_EXPORTER_OTLP_HEADERS");
        if (headers != null) {
            out.put("quarkus.otel.exporter.otlp.traces.headers", quarkusList(pairs(headersVariable, headers)));
        }
        out.put(EXPORTING, "true");
        return out;
    }

    private static String protocol(java.util.function.Function<String, String> env, URI endpoint) {
        String signal = env.apply("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
        String variable = signal != null ? "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL" : "OTEL_EXPORTER_OTLP_PROTOCOL";
        String given = signal != null ? signal : env.apply("OTEL_EXPORTER_OTLP_PROTOCOL");
        if (given == null) {
            return endpoint.getPort() == OTLP_GRPC_PORT ? GRPC : HTTP_PROTOBUF;
        }
        String protocol = given.strip().toLowerCase(Locale.ROOT);
        if (!protocol.equals(GRPC) && !protocol.equals(HTTP_PROTOBUF)) {
            throw new IllegalArgumentException(variable + ": '" + given + "' is not supported (grpc or http/protobuf)");
        }
        return protocol;
    }

    private static URI uri(String variable, String value) {
        try {
            URI uri = URI.create(value.strip());
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw new IllegalArgumentException("not an http(s) URL");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            // The value itself is not repeated: it may carry credentials in its user-info.
            throw new IllegalArgumentException(variable + ": not an http(s) URL with a host", e);
        }
    }

    /** {@code key=value,key2=value2} with percent-encoded parts (W3C baggage-like), as the spec defines it. */
    static Map<String, String> pairs(String variable, String text) {
        Map<String, String> pairs = new java.util.LinkedHashMap<>();
        for (String item : text.split(",")) {
            if (item.isBlank()) {
                continue;
            }
            int eq = item.indexOf('=');
            if (eq <= 0) {
                // Neither the entry nor the value is echoed: a header list holds credentials.
                throw new IllegalArgumentException(variable + ": every entry must be key=value");
            }
            pairs.put(decode(item.substring(0, eq).strip()), decode(item.substring(eq + 1).strip()));
        }
        return pairs;
    }

    private static String decode(String part) {
        // '+' is a literal plus in this format, not a space.
        return URLDecoder.decode(part.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** A SmallRye list value: entries joined by commas, commas inside an entry escaped. */
    private static String quarkusList(Map<String, String> pairs) {
        List<String> entries = new ArrayList<>();
        pairs.forEach((key, value) -> entries.add((key + "=" + value).replace("\\", "\\\\").replace(",", "\\,")));
        return String.join(",", entries);
    }

    /** Unset, blank, or an unexpanded expression. The Quarkus defaults (lowest ordinal) count as unset. */
    private static String value(ConfigSourceContext context, String name) {
        ConfigValue value = context.getValue(name);
        if (value == null || value.getValue() == null || value.getValue().isBlank()
                || value.getValue().startsWith("${") || value.getConfigSourceOrdinal() <= Integer.MIN_VALUE + 100) {
            return null;
        }
        return value.getValue();
    }
}
