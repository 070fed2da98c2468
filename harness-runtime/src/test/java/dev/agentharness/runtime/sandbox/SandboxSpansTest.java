package dev.agentharness.runtime.sandbox;

import dev.agentharness.api.sandbox.Manifest;
import dev.agentharness.api.sandbox.ManifestEntry;
import dev.agentharness.api.sandbox.Network;
import dev.agentharness.runtime.sandbox.local.LocalSandboxProvider;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A run's sandbox work as live spans, with the real bubblewrap provider: provision, exec, snapshot, a failure. */
class SandboxSpansTest {

    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private final SdkTracerProvider tracing = SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(exported)).build();

    @TempDir
    Path temp;

    @AfterEach
    void close() {
        tracing.shutdown().join(5, TimeUnit.SECONDS);
    }

    @Test
    void provisioningAToolOperationAndItsSnapshotAreChildrenOfTheRunsSpanWithoutTheCommand() throws Exception {
        Bwrap.assumeInstalled();
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwx--x--x"));
        LocalSandboxProvider provider = new LocalSandboxProvider(temp.resolve("sandboxes"),
                LocalSandboxLimitsTest.LIMITS);
        SandboxPlane plane = new SandboxPlane(Optional.of(provider), Optional.empty(), Duration.ofMinutes(5),
                Duration.ofMinutes(1), SnapshotStore.open(temp.resolve("snapshots"), 1 << 20, 4 << 20),
                SandboxCheckpoints.NONE, new SandboxSpans(tracing.get("test")));
        Manifest manifest = new Manifest(null, Map.of("inputs/notes.txt", new ManifestEntry.File("one two\n")), null,
                Network.NONE);

        Span run = tracing.get("test").spanBuilder("agent.run").startSpan();
        try (Scope ignored = run.makeCurrent()) {
            RunSandbox sandbox = plane.open("run_spans", "ses", manifest, 60);
            try {
                sandbox.change("call_1", live -> live.exec("echo secret-command-text > out.txt", null,
                        Duration.ofSeconds(30), 4096));
                assertThrows(SandboxException.class, () -> sandbox.read(live -> {
                    throw new SandboxException("the sandbox is gone");
                }));
            } finally {
                plane.close("run_spans", sandbox);
            }
        }
        run.end();

        List<SpanData> spans = exported.getFinishedSpanItems();
        SpanData provision = named(spans, "sandbox provision").getFirst();
        List<SpanData> execs = named(spans, "sandbox exec");
        SpanData snapshot = named(spans, "sandbox snapshot").getFirst();
        for (SpanData span : List.of(provision, execs.get(0), execs.get(1), snapshot)) {
            assertEquals(run.getSpanContext().getSpanId(), span.getParentSpanId(), span.getName());
            assertEquals("local", span.getAttributes().get(AttributeKey.stringKey("sandbox.provider")));
            assertFalse(span.getAttributes().get(AttributeKey.stringKey("sandbox.id")).isBlank());
            assertFalse(span.getAttributes().toString().contains("secret-command-text"), span.getName());
        }
        assertEquals("ok", provision.getAttributes().get(AttributeKey.stringKey("sandbox.outcome")));
        assertEquals("ok", execs.get(0).getAttributes().get(AttributeKey.stringKey("sandbox.outcome")));
        assertEquals("error", execs.get(1).getAttributes().get(AttributeKey.stringKey("sandbox.outcome")));
        assertEquals(StatusCode.ERROR, execs.get(1).getStatus().getStatusCode());
        assertEquals("SandboxException", execs.get(1).getAttributes().get(AttributeKey.stringKey("error.type")));
    }

    private static List<SpanData> named(List<SpanData> spans, String name) {
        List<SpanData> matching = spans.stream().filter(span -> span.getName().equals(name)).toList();
        assertFalse(matching.isEmpty(), name + " in " + spans.stream().map(SpanData::getName).toList());
        return matching;
    }
}
