package dev.agentharness.runtime.observability;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Phoenix pipeline on a real tracer provider: whole runs kept or dropped together, never blocking a run. */
class PhoenixExportTest {

    /** Position 0.43: out at 10 % when it succeeds, in when it fails. */
    private static final String UNSAMPLED_IF_SUCCEEDED = "run_0123456789abcdef";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private PhoenixExport phoenix;
    private SdkTracerProvider provider;

    private static PhoenixSettings settings(String endpoint) {
        return new PhoenixSettings() {
            public Optional<String> endpoint() {
                return Optional.ofNullable(endpoint);
            }

            public Optional<String> apiKey() {
                return Optional.empty();
            }

            public String projectName() {
                return "agents-test";
            }

            public String sampleSucceeded() {
                return "0.1";
            }

            public String sampleFailed() {
                return "1.0";
            }
        };
    }

    private Tracer tracer(SpanExporter exporter) {
        phoenix = new PhoenixExport(settings("http://unused"), registry, exporter);
        provider = SdkTracerProvider.builder().addSpanProcessor(phoenix).build();
        return provider.get("test");
    }

    @AfterEach
    void close() {
        if (provider != null) {
            provider.close();
        }
    }

    /** A run as RunExecutor traces it: a root under the stored (remote) trace id, children carrying run_id. */
    private static void run(Tracer tracer, String runId, boolean succeeded, int children, Runnable afterRoot) {
        Span root = tracer.spanBuilder("agent.run")
                .setParent(Context.root().with(Span.wrap(SpanContext.createFromRemoteParent(
                        IdGenerator.random().generateTraceId(), "0000000000000001", TraceFlags.getSampled(),
                        TraceState.getDefault()))))
                .setAttribute("run_id", runId).startSpan();
        try (Scope ignored = root.makeCurrent()) {
            for (int i = 0; i < children; i++) {
                tracer.spanBuilder("chat m").setAttribute("run_id", runId).startSpan().end();
            }
            tracer.spanBuilder("GET /health").setSpanKind(SpanKind.SERVER).startSpan().end(); // no run_id
        }
        if (!succeeded) {
            root.setStatus(StatusCode.ERROR, "MaxTurnsExceeded");
        }
        root.end();
        afterRoot.run();
    }

    private double dropped(String reason) {
        return registry.counter("agentharness.phoenix.spans.dropped", "reason", reason).count();
    }

    @Test
    void aFailedRunArrivesWholeWithTheProjectOnItsResourceAndLateSpansFollowIt() {
        InMemorySpanExporter exported = InMemorySpanExporter.create();
        Tracer tracer = tracer(exported);

        run(tracer, UNSAMPLED_IF_SUCCEEDED, false, 3, () -> tracer.spanBuilder("POST /runs")
                .setSpanKind(SpanKind.SERVER).setAttribute("run_id", UNSAMPLED_IF_SUCCEEDED).startSpan().end());

        await().atMost(Duration.ofSeconds(10)).until(() -> exported.getFinishedSpanItems().size() == 5);
        List<SpanData> spans = exported.getFinishedSpanItems();
        assertTrue(spans.stream().allMatch(s -> UNSAMPLED_IF_SUCCEEDED.equals(s.getAttributes().get(PhoenixExport.RUN_ID))));
        assertTrue(spans.stream().allMatch(s -> "agents-test".equals(s.getResource().getAttribute(PhoenixExport.PROJECT))));
        assertEquals(1.0, registry.counter("agentharness.phoenix.runs.exported").count());
        assertEquals(Boolean.TRUE, phoenix.sampled(UNSAMPLED_IF_SUCCEEDED, false));
    }

    @Test
    void anUnsampledSucceededRunSendsNothingAndTwoInstancesDecideAlike() {
        InMemorySpanExporter exported = InMemorySpanExporter.create();
        Tracer tracer = tracer(exported);
        run(tracer, UNSAMPLED_IF_SUCCEEDED, true, 3, () -> tracer.spanBuilder("POST /runs")
                .setSpanKind(SpanKind.SERVER).setAttribute("run_id", UNSAMPLED_IF_SUCCEEDED).startSpan().end());
        // A failed run after it goes through the same queue: once it is there, the first one was not sent.
        run(tracer, "run_failed_after", false, 1, () -> { });
        await().atMost(Duration.ofSeconds(10)).until(() -> exported.getFinishedSpanItems().size() == 2);
        assertTrue(exported.getFinishedSpanItems().stream()
                .allMatch(s -> "run_failed_after".equals(s.getAttributes().get(PhoenixExport.RUN_ID))));

        PhoenixExport other = new PhoenixExport(settings("http://unused"), new SimpleMeterRegistry(),
                InMemorySpanExporter.create());
        for (int i = 0; i < 200; i++) {
            String id = "run_" + i;
            assertEquals(phoenix.sampled(id, true), other.sampled(id, true));
        }
        other.close();
        assertNull(new PhoenixExport(settings(null), new SimpleMeterRegistry(), null).sampled("run_off", true),
                "Phoenix off: no decision recorded");
    }

    @Test
    void aStalledCollectorDropsAndCountsInsteadOfBlockingRuns() {
        // An export that never completes: the sender waits out its timeout while the queue fills.
        Tracer tracer = tracer(new SpanExporter() {
            public CompletableResultCode export(Collection<SpanData> spans) {
                return new CompletableResultCode();
            }

            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        });
        for (int i = 0; i < 4; i++) {
            run(tracer, "run_stalled_" + i, false, 4000, () -> { });
        }
        assertTrue(dropped("queue_full") > 0, "spans over the queue's capacity are dropped and counted");
        assertEquals(4.0, registry.counter("agentharness.phoenix.runs.exported").count());
    }

    @Test
    void aFailedExportIsCountedNotRetried() {
        Tracer tracer = tracer(new SpanExporter() {
            public CompletableResultCode export(Collection<SpanData> spans) {
                return CompletableResultCode.ofFailure();
            }

            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        });
        run(tracer, "run_export_fails", false, 2, () -> { });
        await().atMost(Duration.ofSeconds(10)).until(() -> dropped("export_failed") == 3.0);
    }
}
