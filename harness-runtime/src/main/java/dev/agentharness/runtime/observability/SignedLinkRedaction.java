package dev.agentharness.runtime.observability;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.AttributeType;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.DelegatingSpanData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;

import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Wraps the span exporter so no signed link leaves the harness in a trace. The HTTP server span of a
 * {@code /storage/...} download records {@code url.query} (and exporters may see {@code url.full} or
 * {@code http.target}) — which hold the link's signature, a bearer credential until it expires. A span processor
 * cannot edit an ended span, so the rewrite happens on the way out, for every exporter: the query of any string
 * attribute carrying a signature parameter (ours or a presigned S3 URL's) is replaced by {@value #REDACTED}.
 */
public final class SignedLinkRedaction implements SpanExporter {

    static final String REDACTED = "[redacted]";
    private static final List<String> SIGNATURE_MARKERS = List.of("x-harness-signature", "x-amz-signature",
            "x-amz-credential");

    private final SpanExporter delegate;

    public SignedLinkRedaction(SpanExporter delegate) {
        this.delegate = delegate;
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        return delegate.export(spans.stream().map(SignedLinkRedaction::redact).toList());
    }

    @Override
    public CompletableResultCode flush() {
        return delegate.flush();
    }

    @Override
    public CompletableResultCode shutdown() {
        return delegate.shutdown();
    }

    static SpanData redact(SpanData span) {
        Attributes attributes = span.getAttributes();
        if (attributes.asMap().values().stream().noneMatch(SignedLinkRedaction::signed)) {
            return span;
        }
        AttributesBuilder cleaned = Attributes.builder();
        attributes.forEach((key, value) -> put(cleaned, key, value));
        Attributes redacted = cleaned.build();
        return new DelegatingSpanData(span) {
            @Override
            public Attributes getAttributes() {
                return redacted;
            }
        };
    }

    @SuppressWarnings("unchecked")
    private static void put(AttributesBuilder builder, AttributeKey<?> key, Object value) {
        if (key.getType() == AttributeType.STRING && signed(value)) {
            builder.put((AttributeKey<String>) key, redactText((String) value));
        } else {
            builder.put((AttributeKey<Object>) key, value);
        }
    }

    /**
     * {@code text} with the query of a signed link replaced by {@value #REDACTED} (everything from the first
     * {@code ?} on; the whole text when it has none), or {@code text} itself when it carries no signature. The same
     * rule for every surface that shows run data outside the harness: exported spans and the run events stream.
     */
    public static String redactText(String text) {
        if (!signed(text)) {
            return text;
        }
        int query = text.indexOf('?');
        return query < 0 ? REDACTED : text.substring(0, query + 1) + REDACTED;
    }

    private static boolean signed(Object value) {
        if (!(value instanceof String text)) {
            return false;
        }
        String lower = text.toLowerCase(Locale.ROOT);
        return SIGNATURE_MARKERS.stream().anyMatch(lower::contains);
    }
}
