package dev.agentharness.runtime.observability;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.AttributeType;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.internal.ExtendedSpanProcessor;
import jakarta.inject.Singleton;

import java.util.List;
import java.util.Locale;

/**
 * Keeps signed links out of every span that leaves the harness. The HTTP server span of a {@code /storage/...}
 * download records {@code url.query} (and {@code url.full} or {@code http.target} elsewhere) — which hold the link's
 * signature, a bearer credential until it expires. A span processor (a CDI bean: Quarkus adds every
 * {@code SpanProcessor} bean to the tracer provider) rewrites such attributes while the span is ending, before any
 * processor's {@code onEnd} — so the OTLP exporter, the Phoenix pipeline and anything else see only the redacted
 * value: the query of any string attribute carrying a signature parameter (ours or a presigned S3 URL's) becomes
 * {@value #REDACTED}. {@code onEnding} is the SDK's ending callback ({@link ExtendedSpanProcessor}, SDK-internal but
 * the only point where every attribute is set and the span is still writable; {@code SdkSpan} calls it since SDK 1.37).
 */
@Singleton
public final class SignedLinkRedaction implements ExtendedSpanProcessor {

    static final String REDACTED = "[redacted]";
    private static final List<String> SIGNATURE_MARKERS = List.of("x-harness-signature", "x-amz-signature",
            "x-amz-credential");

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {
    }

    @Override
    public boolean isStartRequired() {
        return false;
    }

    @Override
    public void onEnding(ReadWriteSpan span) {
        span.getAttributes().forEach((key, value) -> {
            if (key.getType() == AttributeType.STRING && signed(value)) {
                @SuppressWarnings("unchecked")
                AttributeKey<String> text = (AttributeKey<String>) key;
                span.setAttribute(text, redactText((String) value));
            }
        });
    }

    @Override
    public boolean isOnEndingRequired() {
        return true;
    }

    @Override
    public void onEnd(ReadableSpan span) {
    }

    @Override
    public boolean isEndRequired() {
        return false;
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
