package dev.agentharness.runtime.observability;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The journal's trace as OpenTelemetry spans, on the real SDK with an in-memory exporter (no Quarkus). */
class RunSpanTreeTest {

    private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
    private static final Instant T0 = Instant.parse("2026-12-04T00:00:00Z");

    private final InMemorySpanExporter exported = InMemorySpanExporter.create();
    private final SdkTracerProvider provider = SdkTracerProvider.builder()
            .addSpanProcessor(new RunAttributesProcessor())
            .addSpanProcessor(SimpleSpanProcessor.create(exported))
            .build();

    @AfterEach
    void close() {
        provider.shutdown().join(5, TimeUnit.SECONDS);
    }

    private RunSpanTree tree(boolean capture) {
        return new RunSpanTree(provider.get("test"), capture);
    }

    private static final RunSpanTree.Run RUN = new RunSpanTree.Run("run_1", "sess_1", "maya", "openai",
            new RunSpanTree.Prices(2.0, 8.0));

    private static Context remoteParent() {
        return Context.root().with(Span.wrap(SpanContext.createFromRemoteParent(TRACE_ID, "0000000000000001",
                TraceFlags.getSampled(), TraceState.getDefault())));
    }

    private static RunSpanTree.Step step(RunSpanTree.Kind kind, String name, int from, int to, String error,
                                         Object... keyValues) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            attributes.put((String) keyValues[i], keyValues[i + 1]);
        }
        return new RunSpanTree.Step(kind, name, T0.plusSeconds(from), T0.plusSeconds(to), attributes, error);
    }

    /** Maya: an input guardrail, a model call asking for a tool, the tool, and the final answer. */
    private static List<RunSpanTree.Step> mayaSteps() {
        return List.of(
                step(RunSpanTree.Kind.AGENT, "maya", 0, 10, null, "tools", List.of("lookup_account")),
                step(RunSpanTree.Kind.GUARDRAIL, "no_secrets", 0, 1, null, "agent", "maya", "stage", "input",
                        "triggered", false),
                step(RunSpanTree.Kind.GENERATION, "gpt-5.4-mini", 1, 3, null, "agent", "maya", "model", "gpt-5.4-mini",
                        "turn", 1, "response_id", "resp_1", "input_tokens", 1000L, "output_tokens", 200L,
                        "response_model", "gpt-5.4-mini-2026-03-01", "finish_reason", "tool_call",
                        "cached_input_tokens", 512L, "reasoning_tokens", 64L),
                step(RunSpanTree.Kind.FUNCTION, "lookup_account", 3, 4, null, "agent", "maya", "call_id", "call_1",
                        "input", "{\"account\":\"ACME-1002\"}",
                        "output", "see https://bucket.example/x.pdf?X-Amz-Signature=abcdef&X-Amz-Credential=AKIA"),
                step(RunSpanTree.Kind.GENERATION, "gpt-5.4-mini", 4, 9, null, "agent", "maya", "model", "gpt-5.4-mini",
                        "turn", 2, "response_id", "resp_2", "input_tokens", 1500L, "output_tokens", 300L));
    }

    private static SpanData named(List<SpanData> spans, String name) {
        List<SpanData> matching = spans.stream().filter(span -> span.getName().equals(name)).toList();
        assertEquals(1, matching.size(), name + " in " + spans.stream().map(SpanData::getName).toList());
        return matching.getFirst();
    }

    private static Object attribute(SpanData span, String key) {
        return span.getAttributes().asMap().entrySet().stream()
                .filter(entry -> entry.getKey().getKey().equals(key)).map(Map.Entry::getValue)
                .findFirst().orElse(null);
    }

    private List<SpanData> runThrough(RunSpanTree spans, List<RunSpanTree.Step> steps, boolean succeeded,
                                      RunSpanTree.Tree[] made) {
        return runThrough(RUN, spans, steps, succeeded, made);
    }

    private List<SpanData> runThrough(RunSpanTree.Run run, RunSpanTree spans, List<RunSpanTree.Step> steps,
                                      boolean succeeded, RunSpanTree.Tree[] made) {
        RunSpanTree.RunSpan root = spans.startRun(run, remoteParent(), T0, "Hi, ACME-1002 here");
        RunSpanTree.Tree tree = spans.start(run, root, steps);
        if (made != null) {
            made[0] = tree;
        }
        assertTrue(exported.getFinishedSpanItems().isEmpty(), "nothing is exported before the outcome is recorded");
        root.finish(succeeded ? "succeeded" : "failed", succeeded, succeeded ? null : "ModelUnavailable",
                succeeded ? "Your invoices are back." : null);
        tree.end();
        root.end();
        return exported.getFinishedSpanItems();
    }

    @Test
    void aModelsOwnPricesFromThePriceTableCostItsSpanWithCachedInputAtTheCachedPrice() {
        RunSpanTree.Run run = new RunSpanTree.Run("run_1", "sess_1", "maya", "openai", new RunSpanTree.Prices(2.0, 8.0),
                model -> "gpt-5.4-mini".equals(model) ? new RunSpanTree.Prices(0.25, 2.0, 0.025) : null);

        SpanData chat = runThrough(run, tree(false), mayaSteps(), true, null).stream()
                .filter(span -> span.getName().equals("chat gpt-5.4-mini")).findFirst().orElseThrow();

        // (1,000 - 512) × 0.25 + 512 × 0.025 = 122 + 12.8 = 134.8 µ$ of prompt; 200 × 2.00 = 400 µ$ of completion.
        assertEquals(0.0001348, (double) attribute(chat, "llm.cost.prompt"), 1e-12);
        assertEquals(0.0004, (double) attribute(chat, "llm.cost.completion"), 1e-12);
        assertEquals(0.0005348, (double) attribute(chat, "llm.cost.total"), 1e-12);
    }

    @Test
    void aRunIsOneTreeRootInvokeAgentAndItsStepsWithTheJournalsTimes() {
        RunSpanTree.Tree[] made = new RunSpanTree.Tree[1];
        List<SpanData> spans = runThrough(tree(false), mayaSteps(), true, made);

        SpanData root = named(spans, "agent.run");
        SpanData agent = named(spans, "invoke_agent maya");
        SpanData guardrail = named(spans, "guardrail no_secrets");
        SpanData tool = named(spans, "execute_tool lookup_account");
        List<SpanData> chats = spans.stream().filter(span -> span.getName().equals("chat gpt-5.4-mini")).toList();
        assertEquals(2, chats.size());

        assertEquals(TRACE_ID, root.getTraceId(), "the run joins the trace stored with it");
        assertEquals("0000000000000001", root.getParentSpanId());
        assertEquals(root.getSpanId(), agent.getParentSpanId());
        for (SpanData child : List.of(guardrail, tool, chats.get(0), chats.get(1))) {
            assertEquals(agent.getSpanId(), child.getParentSpanId(), child.getName());
            assertEquals(TRACE_ID, child.getTraceId());
        }
        assertEquals(T0.plusSeconds(3), Instant.ofEpochSecond(0, tool.getStartEpochNanos()));
        assertEquals(T0.plusSeconds(4), Instant.ofEpochSecond(0, tool.getEndEpochNanos()));

        // The ids handed back (stored with the trace) are the exported ones, step for step.
        assertEquals(List.of(agent.getSpanId(), guardrail.getSpanId(), chats.get(0).getSpanId(), tool.getSpanId(),
                chats.get(1).getSpanId()), made[0].spanIds());
        assertEquals(List.of(root.getSpanId(), agent.getSpanId(), agent.getSpanId(), agent.getSpanId(),
                agent.getSpanId()), made[0].parentSpanIds());

        assertEquals("CHAIN", attribute(root, "openinference.span.kind"));
        assertEquals("run_1", attribute(root, "run_id"));
        assertEquals("sess_1", attribute(root, "gen_ai.conversation.id"));
        assertEquals("maya", attribute(root, "agent"));
        assertEquals("succeeded", attribute(root, "status"));
        assertEquals(StatusCode.UNSET, root.getStatus().getStatusCode());

        assertEquals(SpanKind.INTERNAL, agent.getKind());
        assertEquals("invoke_agent", attribute(agent, "gen_ai.operation.name"));
        assertEquals("maya", attribute(agent, "gen_ai.agent.name"));
        assertEquals("sess_1", attribute(agent, "gen_ai.conversation.id"));
        assertEquals("AGENT", attribute(agent, "openinference.span.kind"));
        assertEquals("maya", attribute(agent, "agent.name"));

        SpanData chat = chats.get(0);
        assertEquals(SpanKind.CLIENT, chat.getKind());
        assertEquals("chat", attribute(chat, "gen_ai.operation.name"));
        assertEquals("openai", attribute(chat, "gen_ai.provider.name"));
        assertEquals("gpt-5.4-mini", attribute(chat, "gen_ai.request.model"));
        assertEquals("gpt-5.4-mini-2026-03-01", attribute(chat, "gen_ai.response.model"));
        assertEquals("resp_1", attribute(chat, "gen_ai.response.id"));
        assertEquals(List.of("tool_call"), attribute(chat, "gen_ai.response.finish_reasons"));
        assertEquals(1000L, attribute(chat, "gen_ai.usage.input_tokens"));
        assertEquals(200L, attribute(chat, "gen_ai.usage.output_tokens"));
        assertEquals(512L, attribute(chat, "gen_ai.usage.cache_read.input_tokens"));
        assertEquals(64L, attribute(chat, "gen_ai.usage.reasoning.output_tokens"));
        assertEquals("LLM", attribute(chat, "openinference.span.kind"));
        assertEquals("gpt-5.4-mini-2026-03-01", attribute(chat, "llm.model_name"));
        assertEquals("openai", attribute(chat, "llm.provider"));
        assertEquals("openai", attribute(chat, "llm.system"));
        assertEquals(1000L, attribute(chat, "llm.token_count.prompt"));
        assertEquals(200L, attribute(chat, "llm.token_count.completion"));
        assertEquals(1200L, attribute(chat, "llm.token_count.total"));
        assertEquals(512L, attribute(chat, "llm.token_count.prompt_details.cache_read"));
        assertEquals(64L, attribute(chat, "llm.token_count.completion_details.reasoning"));
        assertEquals(0.002, (double) attribute(chat, "llm.cost.prompt"), 1e-12);
        assertEquals(0.0016, (double) attribute(chat, "llm.cost.completion"), 1e-12);
        assertEquals(0.0036, (double) attribute(chat, "llm.cost.total"), 1e-12);
        assertNull(attribute(chats.get(1), "gen_ai.usage.cache_read.input_tokens"),
                "a journal without the detail says nothing, not 0");

        assertEquals("execute_tool", attribute(tool, "gen_ai.operation.name"));
        assertEquals("lookup_account", attribute(tool, "gen_ai.tool.name"));
        assertEquals("call_1", attribute(tool, "gen_ai.tool.call.id"));
        assertEquals("function", attribute(tool, "gen_ai.tool.type"));
        assertEquals("TOOL", attribute(tool, "openinference.span.kind"));
        assertEquals("lookup_account", attribute(tool, "tool.name"));
        assertEquals(StatusCode.UNSET, tool.getStatus().getStatusCode());

        assertEquals("GUARDRAIL", attribute(guardrail, "openinference.span.kind"));
        assertEquals("no_secrets", attribute(guardrail, "guardrail.name"));
        assertEquals("input", attribute(guardrail, "guardrail.stage"));
        assertEquals(false, attribute(guardrail, "guardrail.triggered"));

        for (SpanData span : spans) {
            assertEquals("run_1", attribute(span, "run_id"), span.getName());
            assertEquals("sess_1", attribute(span, "session.id"), span.getName());
            for (String payload : List.of("input.value", "output.value", "gen_ai.tool.call.arguments",
                    "gen_ai.tool.call.result")) {
                assertNull(attribute(span, payload), payload + " without content capture, on " + span.getName());
            }
        }
    }

    @Test
    void withContentCaptureSpansCarryWhatWasSaidButNeverASignedLinksSignature() {
        List<SpanData> spans = runThrough(tree(true), mayaSteps(), true, null);

        SpanData root = named(spans, "agent.run");
        assertEquals("Hi, ACME-1002 here", attribute(root, "input.value"));
        assertEquals("Your invoices are back.", attribute(root, "output.value"));
        SpanData tool = named(spans, "execute_tool lookup_account");
        assertEquals("{\"account\":\"ACME-1002\"}", attribute(tool, "gen_ai.tool.call.arguments"));
        assertEquals("{\"account\":\"ACME-1002\"}", attribute(tool, "input.value"));
        String result = (String) attribute(tool, "gen_ai.tool.call.result");
        assertEquals("see https://bucket.example/x.pdf?[redacted]", result);
        assertEquals(result, attribute(tool, "output.value"));
        for (SpanData span : spans) {
            String all = span.getAttributes().toString() + span.getStatus();
            assertFalse(all.contains("X-Amz-Signature") || all.contains("AKIA"), span.getName() + ": " + all);
        }
    }

    @Test
    void aHandoffMakesTwoAgentSegmentsAndTheSecondNamesWhereItCameFrom() {
        List<RunSpanTree.Step> steps = List.of(
                step(RunSpanTree.Kind.AGENT, "triage", 0, 3, null, "tools", List.of()),
                step(RunSpanTree.Kind.GENERATION, "gpt-5.4-mini", 0, 2, null, "agent", "triage", "model",
                        "gpt-5.4-mini", "input_tokens", 10L, "output_tokens", 5L),
                step(RunSpanTree.Kind.HANDOFF, "transfer_to_billing", 2, 2, null, "from_agent", "triage",
                        "to_agent", "billing"),
                step(RunSpanTree.Kind.AGENT, "billing", 3, 6, null, "tools", List.of()),
                step(RunSpanTree.Kind.GENERATION, "gpt-5.4-mini", 3, 5, null, "agent", "billing", "model",
                        "gpt-5.4-mini", "input_tokens", 20L, "output_tokens", 7L));
        List<SpanData> spans = runThrough(tree(false), steps, true, null);

        SpanData root = named(spans, "agent.run");
        SpanData triage = named(spans, "invoke_agent triage");
        SpanData billing = named(spans, "invoke_agent billing");
        SpanData handoff = named(spans, "handoff to billing");
        assertEquals(root.getSpanId(), triage.getParentSpanId());
        assertEquals(root.getSpanId(), billing.getParentSpanId());
        assertEquals(triage.getSpanId(), handoff.getParentSpanId());
        assertEquals("TOOL", attribute(handoff, "openinference.span.kind"));
        assertEquals("transfer_to_billing", attribute(handoff, "tool.name"));
        assertEquals("triage", attribute(handoff, "handoff.from_agent"));
        assertEquals("billing", attribute(handoff, "handoff.to_agent"));
        assertEquals("triage", attribute(billing, "graph.node.parent_id"));
        List<SpanData> chats = spans.stream().filter(span -> span.getName().startsWith("chat ")).toList();
        assertEquals(List.of(triage.getSpanId(), billing.getSpanId()),
                chats.stream().map(SpanData::getParentSpanId).toList());
    }

    @Test
    void aFailedModelCallIsAnErrorChatSpanAndTheRunAnErrorRoot() {
        List<RunSpanTree.Step> steps = List.of(
                step(RunSpanTree.Kind.AGENT, "maya", 0, 2, "the model is unavailable: HTTP 500", "tools", List.of()),
                step(RunSpanTree.Kind.GENERATION, "gpt-5.4-mini", 0, 2, "the model is unavailable: HTTP 500",
                        "agent", "maya", "model", "gpt-5.4-mini", "turn", 1, "error_type", "unavailable"),
                step(RunSpanTree.Kind.RUN_END, "run.failed", 2, 2, "the model is unavailable: HTTP 500",
                        "reason", "ModelUnavailable"));
        List<SpanData> spans = runThrough(tree(false), steps, false, null);

        SpanData chat = named(spans, "chat gpt-5.4-mini");
        assertEquals(StatusCode.ERROR, chat.getStatus().getStatusCode());
        assertEquals("unavailable", attribute(chat, "error.type"));
        assertNull(attribute(chat, "gen_ai.usage.input_tokens"));
        SpanData root = named(spans, "agent.run");
        assertEquals(StatusCode.ERROR, root.getStatus().getStatusCode());
        assertEquals("ModelUnavailable", attribute(root, "error.type"));
        assertEquals("failed", attribute(root, "status"));
        SpanData end = named(spans, "run.failed");
        assertEquals(root.getSpanId(), end.getParentSpanId());
        assertEquals(StatusCode.ERROR, end.getStatus().getStatusCode());
        assertEquals(StatusCode.ERROR, named(spans, "invoke_agent maya").getStatus().getStatusCode());
    }

    @Test
    void spansOtherCodeStartsInsideTheRunCarryItsIdsEvenOnAnotherThreadUnderItsSpan() throws Exception {
        RunSpanTree spans = tree(false);
        RunSpanTree.RunSpan root = spans.startRun(RUN, remoteParent(), null, null);
        var tracer = provider.get("other");
        Span storage;
        try (Scope ignored = root.context().makeCurrent()) {
            storage = tracer.spanBuilder("storage put").startSpan();
        }
        // Handed over as a bare span (no run mark in its context), as an event loop would see it.
        Context bare = Context.root().with(storage);
        Thread worker = Thread.ofVirtual().start(() -> tracer.spanBuilder("http client").setParent(bare)
                .startSpan().end());
        worker.join();
        storage.end();
        tracer.spanBuilder("outside any run").startSpan().end();
        root.end();

        List<SpanData> finished = exported.getFinishedSpanItems();
        for (String name : List.of("storage put", "http client")) {
            SpanData span = named(finished, name);
            assertEquals("run_1", span.getAttributes().get(AttributeKey.stringKey("run_id")), name);
            assertEquals("sess_1", span.getAttributes().get(AttributeKey.stringKey("session.id")), name);
        }
        assertNull(named(finished, "outside any run").getAttributes().get(AttributeKey.stringKey("run_id")));
    }

    @Test
    void contentCaptureIsTrueOrFalseAndAnythingElseNamesTheVariable() {
        assertTrue(MessageCapture.parse("TRUE"));
        assertFalse(MessageCapture.parse("false"));
        assertFalse(MessageCapture.parse(""));
        IllegalStateException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> MessageCapture.parse("yes please"));
        assertTrue(refused.getMessage().contains("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"));
    }
}
