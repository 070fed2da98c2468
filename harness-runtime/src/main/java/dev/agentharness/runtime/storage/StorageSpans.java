package dev.agentharness.runtime.storage;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import java.util.function.Supplier;

/**
 * A span around each artifact write ({@code storage put}), a child of whatever span is current — during a run, the
 * run's (its reply, its workspace checkpoints, its mounts' uploads). Attributes: the store, the bucket, the key's
 * top-level prefix ({@code outputs}, {@code checkpoints}, …), the size; never the key itself (it names sessions and
 * files) and never a URL (a presigned one is a credential).
 */
final class StorageSpans {

    static final AttributeKey<String> STORE = AttributeKey.stringKey("storage.store");
    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("storage.operation");
    static final AttributeKey<String> BUCKET = AttributeKey.stringKey("aws.s3.bucket");
    static final AttributeKey<String> PREFIX = AttributeKey.stringKey("storage.key_prefix");
    static final AttributeKey<Long> SIZE = AttributeKey.longKey("storage.size");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    static final Tracer NONE = OpenTelemetry.noop().getTracer("agent-harness");

    private StorageSpans() {
    }

    /** @param bucket null for the local store */
    static StoredObject put(Tracer tracer, String store, String bucket, String key, Supplier<StoredObject> write) {
        int slash = key.indexOf('/');
        Span span = tracer.spanBuilder("storage put").setSpanKind(bucket == null ? SpanKind.INTERNAL : SpanKind.CLIENT)
                .setAttribute(STORE, store).setAttribute(OPERATION, "put")
                .setAttribute(PREFIX, slash < 0 ? "" : key.substring(0, slash)).startSpan();
        if (bucket != null) {
            span.setAttribute(BUCKET, bucket);
        }
        try {
            StoredObject stored = write.get();
            span.setAttribute(SIZE, stored.size());
            return stored;
        } catch (RuntimeException e) {
            span.setStatus(StatusCode.ERROR);
            span.setAttribute(ERROR_TYPE, e.getClass().getSimpleName());
            throw e;
        } finally {
            span.end();
        }
    }
}
