package dev.agentharness.runtime.observability;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.quarkus.runtime.Startup;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A run as OpenTelemetry spans that both OpenTelemetry's GenAI conventions (Azure Monitor / Application Insights) and
 * OpenInference's (Phoenix) read: one root span per run ({@value #ROOT_NAME}, OpenInference {@code CHAIN}) and, under
 * it, the run's steps as the journal recorded them — {@code invoke_agent {agent}} per agent segment, and inside each
 * segment {@code chat {model}} per model call, {@code execute_tool {tool}} per tool call, {@code guardrail {name}} and
 * {@code handoff to {agent}}. The steps' spans are made from the same list that is stored as the run's trace, with the
 * journal's start and end times, once, by the replica that records the run's end: a run resumed elsewhere after a
 * crash still gets its whole tree exactly once. Started spans have their ids at once ({@link Tree#spanIds()}, stored
 * with the trace); they are ended (exported) only when the run's outcome is recorded.
 *
 * <p>Names and attributes follow the conventions pinned in {@code docs/observability.md} ("Conventions"). What was said
 * (messages, tool arguments and results) is on spans only with {@link MessageCapture}; any text that leaves here is
 * passed through {@link SignedLinkRedaction#redactText}.
 */
@Singleton
@Startup // MessageCapture's value is checked at start, not at the first run
public class RunSpanTree {

    public static final String ROOT_NAME = "agent.run";

    static final AttributeKey<String> OPENINFERENCE_KIND = AttributeKey.stringKey("openinference.span.kind");

    private final Tracer tracer;
    private final boolean captureContent;

    @Inject
    public RunSpanTree(Tracer tracer, MessageCapture capture) {
        this(tracer, capture.enabled());
    }

    public RunSpanTree(Tracer tracer, boolean captureContent) {
        this.tracer = tracer;
        this.captureContent = captureContent;
    }

    public boolean capturesContent() {
        return captureContent;
    }

    /** What the journal's trace calls a step. {@code RUN_END} is the marker span of a run that did not succeed. */
    public enum Kind { AGENT, GENERATION, FUNCTION, HANDOFF, GUARDRAIL, RUN_END }

    /**
     * One step of the stored trace, with its attributes under the trace's own keys ({@code model},
     * {@code input_tokens}, {@code call_id}, {@code input}, {@code output}, …).
     */
    public record Step(Kind kind, String name, Instant startedAt, Instant endedAt, Map<String, Object> attributes,
                       String error) {
    }

    /** What a million tokens cost; zero prices put no cost on spans. Cached input is a part of the input. */
    public record Prices(double inputUsdPerMillionTokens, double outputUsdPerMillionTokens,
                         double cachedInputUsdPerMillionTokens) {

        /** Cached input at the input price. */
        public Prices(double inputUsdPerMillionTokens, double outputUsdPerMillionTokens) {
            this(inputUsdPerMillionTokens, outputUsdPerMillionTokens, inputUsdPerMillionTokens);
        }

        boolean known() {
            return inputUsdPerMillionTokens > 0 || outputUsdPerMillionTokens > 0 || cachedInputUsdPerMillionTokens > 0;
        }
    }

    /**
     * @param providerName  {@code gen_ai.provider.name}: {@code openai} or {@code azure.ai.openai}
     * @param prices        the price of a model {@code pricesByModel} does not know (null: none)
     * @param pricesByModel the price of each requested model (the price table; null answers fall back to
     *                      {@code prices})
     * @param agentVersions the version of each agent the run may use, by name ({@code gen_ai.agent.version} of the
     *                      root span — the run's agent — and of each agent span); an agent without one has no attribute
     */
    public record Run(String runId, String sessionId, String agent, String providerName, Prices prices,
                      java.util.function.Function<String, Prices> pricesByModel,
                      java.util.Map<String, String> agentVersions) {

        public Run {
            agentVersions = agentVersions == null ? java.util.Map.of() : java.util.Map.copyOf(agentVersions);
        }

        /** A run whose agents have no versions. */
        public Run(String runId, String sessionId, String agent, String providerName, Prices prices,
                   java.util.function.Function<String, Prices> pricesByModel) {
            this(runId, sessionId, agent, providerName, prices, pricesByModel, java.util.Map.of());
        }

        /** One price for every model. */
        public Run(String runId, String sessionId, String agent, String providerName, Prices prices) {
            this(runId, sessionId, agent, providerName, prices, model -> null);
        }

        Prices pricesOf(String model) {
            Prices priced = model == null || pricesByModel == null ? null : pricesByModel.apply(model);
            return priced != null ? priced : prices;
        }
    }

    /** The run's root span and the context its work runs in (marked with {@link RunContext}). */
    public final class RunSpan {
        private final Span span;
        private final Context context;

        private RunSpan(Span span, Context context) {
            this.span = span;
            this.context = context;
        }

        /** Make current for the run's whole execution: spans others start inside inherit the run's ids. */
        public Context context() {
            return context;
        }

        public String spanId() {
            return idOf(span);
        }

        /** The run's outcome: ERROR unless it succeeded; the reply only with content capture. */
        public void finish(String status, boolean succeeded, String reason, String reply) {
            span.setAttribute("status", status);
            span.setAttribute("agent.run.status", status);
            if (!succeeded) {
                span.setStatus(StatusCode.ERROR, reason == null ? status : redact(reason));
                span.setAttribute(Keys.ERROR_TYPE, reason == null ? status : reason);
            }
            if (captureContent && reply != null) {
                span.setAttribute(Keys.OUTPUT_VALUE, redact(reply));
            }
        }

        public void recordException(Throwable e) {
            span.recordException(e);
        }

        public void end() {
            span.end();
        }
    }

    /**
     * Starts the run's root span.
     *
     * @param parent  the context it continues (the run's stored trace id as a remote parent)
     * @param startAt when the run first started (a resumed run's tree spans its earlier attempts), or null for now
     */
    public RunSpan startRun(Run run, Context parent, Instant startAt, String userMessage) {
        SpanBuilder builder = tracer.spanBuilder(ROOT_NAME).setParent(parent).setSpanKind(SpanKind.INTERNAL)
                .setAttribute(RunAttributesProcessor.RUN_ID, run.runId())
                .setAttribute("session_id", run.sessionId())
                .setAttribute(RunAttributesProcessor.SESSION_ID, run.sessionId())
                .setAttribute(Keys.CONVERSATION_ID, run.sessionId())
                .setAttribute("agent", run.agent())
                .setAttribute(Keys.AGENT_NAME_OI, run.agent())
                .setAttribute(Keys.OPERATION, "invoke_workflow")
                .setAttribute(Keys.WORKFLOW_NAME, run.agent())
                .setAttribute(OPENINFERENCE_KIND, "CHAIN");
        String version = run.agentVersions().get(run.agent());
        if (version != null) {
            builder.setAttribute(Keys.AGENT_VERSION, version);
        }
        if (startAt != null) {
            builder.setStartTimestamp(startAt);
        }
        if (captureContent && userMessage != null) {
            builder.setAttribute(Keys.INPUT_VALUE, redact(userMessage));
        }
        Span span = builder.startSpan();
        return new RunSpan(span, RunContext.with(parent.with(span), run.runId(), run.sessionId()));
    }

    /** The spans of a run's steps, started (so their ids are known) and not yet ended. */
    public static final class Tree {
        private final List<Span> spans;
        private final List<Instant> ends;
        private final List<String> spanIds;
        private final List<String> parentSpanIds;

        private Tree(List<Span> spans, List<Instant> ends, List<String> spanIds, List<String> parentSpanIds) {
            this.spans = spans;
            this.ends = ends;
            this.spanIds = spanIds;
            this.parentSpanIds = parentSpanIds;
        }

        /** The span id of each step, in the order of the steps; null where no span could be made (tracing off). */
        public List<String> spanIds() {
            return spanIds;
        }

        /** Each step's parent: its agent segment's span, or the root span. */
        public List<String> parentSpanIds() {
            return parentSpanIds;
        }

        /** Ends every span at its step's end, which hands them to the exporters. Call once. */
        public void end() {
            for (int i = 0; i < spans.size(); i++) {
                spans.get(i).end(ends.get(i));
            }
        }
    }

    /**
     * Starts a span per step under {@code root}: agent segments and the run's end marker as its children, every other
     * step as a child of the agent segment it happened in (the last agent step before it).
     */
    public Tree start(Run run, RunSpan root, List<Step> steps) {
        List<Span> spans = new ArrayList<>(steps.size());
        List<Instant> ends = new ArrayList<>(steps.size());
        List<String> ids = new ArrayList<>(steps.size());
        List<String> parents = new ArrayList<>(steps.size());
        Context rootContext = root.context();
        Context segment = rootContext;
        String previousAgent = null;
        String handoffFrom = null;
        for (Step step : steps) {
            Context parent = switch (step.kind()) {
                case AGENT, RUN_END -> rootContext;
                default -> segment;
            };
            Span span = switch (step.kind()) {
                case AGENT -> agentSpan(run, step, parent, handoffFrom != null ? handoffFrom : previousAgent);
                case GENERATION -> chatSpan(run, step, parent);
                case FUNCTION -> toolSpan(run, step, parent);
                case GUARDRAIL -> guardrailSpan(run, step, parent);
                case HANDOFF -> handoffSpan(run, step, parent);
                case RUN_END -> runEndSpan(run, step, parent);
            };
            if (step.kind() == Kind.AGENT) {
                segment = parent.with(span);
                previousAgent = step.name();
                handoffFrom = null;
            } else if (step.kind() == Kind.HANDOFF) {
                handoffFrom = text(step, "from_agent");
            }
            spans.add(span);
            ends.add(step.endedAt());
            ids.add(idOf(span));
            parents.add(idOf(Span.fromContext(parent)));
        }
        return new Tree(spans, ends, Collections.unmodifiableList(ids), Collections.unmodifiableList(parents));
    }

    private SpanBuilder builder(Run run, String name, SpanKind kind, Step step, Context parent, String openInference) {
        return tracer.spanBuilder(name).setParent(parent).setSpanKind(kind).setStartTimestamp(step.startedAt())
                .setAttribute(RunAttributesProcessor.RUN_ID, run.runId())
                .setAttribute(RunAttributesProcessor.SESSION_ID, run.sessionId())
                .setAttribute(OPENINFERENCE_KIND, openInference);
    }

    private Span agentSpan(Run run, Step step, Context parent, String cameFrom) {
        SpanBuilder builder = builder(run, "invoke_agent " + step.name(), SpanKind.INTERNAL, step, parent, "AGENT")
                .setAttribute(Keys.OPERATION, "invoke_agent")
                .setAttribute(Keys.PROVIDER, run.providerName())
                .setAttribute(Keys.AGENT_NAME, step.name())
                .setAttribute(Keys.CONVERSATION_ID, run.sessionId())
                .setAttribute(Keys.AGENT_NAME_OI, step.name())
                .setAttribute(Keys.GRAPH_NODE_ID, step.name());
        String version = run.agentVersions().get(step.name());
        if (version != null) {
            builder.setAttribute(Keys.AGENT_VERSION, version);
        }
        if (cameFrom != null) {
            builder.setAttribute(Keys.GRAPH_NODE_PARENT_ID, cameFrom);
        }
        Span span = builder.startSpan();
        failIfErrored(span, step, "agent_error");
        return span;
    }

    private Span chatSpan(Run run, Step step, Context parent) {
        String model = text(step, "model");
        String responseModel = text(step, "response_model");
        long input = number(step, "input_tokens");
        long output = number(step, "output_tokens");
        SpanBuilder builder = builder(run, model == null ? "chat" : "chat " + model, SpanKind.CLIENT, step, parent,
                "LLM")
                .setAttribute(Keys.OPERATION, "chat")
                .setAttribute(Keys.PROVIDER, run.providerName())
                .setAttribute(Keys.LLM_SYSTEM, "openai")
                .setAttribute(Keys.LLM_PROVIDER, ModelProviders.openInference(run.providerName()));
        if (model != null) {
            builder.setAttribute(Keys.REQUEST_MODEL, model);
        }
        String effectiveModel = responseModel != null ? responseModel : model;
        if (effectiveModel != null) {
            builder.setAttribute(Keys.LLM_MODEL_NAME, effectiveModel);
        }
        if (responseModel != null) {
            builder.setAttribute(Keys.RESPONSE_MODEL, responseModel);
        }
        String agent = text(step, "agent");
        if (agent != null) {
            builder.setAttribute(Keys.AGENT_NAME, agent);
        }
        if (step.error() == null) {
            // A failed call used no tokens the journal knows of and has no response: it carries its error instead.
            String responseId = text(step, "response_id");
            if (responseId != null) {
                builder.setAttribute(Keys.RESPONSE_ID, responseId);
            }
            String finishReason = text(step, "finish_reason");
            if (finishReason != null) {
                builder.setAttribute(Keys.FINISH_REASONS, List.of(finishReason));
            }
            builder.setAttribute(Keys.INPUT_TOKENS, input)
                    .setAttribute(Keys.OUTPUT_TOKENS, output)
                    .setAttribute(Keys.PROMPT_TOKENS, input)
                    .setAttribute(Keys.COMPLETION_TOKENS, output)
                    .setAttribute(Keys.TOTAL_TOKENS, input + output);
            if (step.attributes().get("cached_input_tokens") instanceof Number cached) {
                builder.setAttribute(Keys.CACHE_READ_INPUT_TOKENS, cached.longValue())
                        .setAttribute(Keys.PROMPT_CACHE_READ, cached.longValue());
            }
            if (step.attributes().get("reasoning_tokens") instanceof Number reasoning) {
                builder.setAttribute(Keys.REASONING_OUTPUT_TOKENS, reasoning.longValue())
                        .setAttribute(Keys.COMPLETION_REASONING, reasoning.longValue());
            }
            Prices prices = run.pricesOf(model);
            if (prices != null && prices.known()) {
                long cached = step.attributes().get("cached_input_tokens") instanceof Number n
                        ? Math.max(0, Math.min(n.longValue(), input)) : 0;
                double prompt = ((input - cached) * prices.inputUsdPerMillionTokens()
                        + cached * prices.cachedInputUsdPerMillionTokens()) / 1_000_000d;
                double completion = output * prices.outputUsdPerMillionTokens() / 1_000_000d;
                builder.setAttribute(Keys.COST_PROMPT, prompt)
                        .setAttribute(Keys.COST_COMPLETION, completion)
                        .setAttribute(Keys.COST_TOTAL, prompt + completion);
            }
        }
        Span span = builder.startSpan();
        String errorType = text(step, "error_type");
        failIfErrored(span, step, errorType != null ? errorType : "model_error");
        return span;
    }

    private Span toolSpan(Run run, Step step, Context parent) {
        SpanBuilder builder = builder(run, "execute_tool " + step.name(), SpanKind.INTERNAL, step, parent, "TOOL")
                .setAttribute(Keys.OPERATION, "execute_tool")
                .setAttribute(Keys.TOOL_NAME, step.name())
                .setAttribute(Keys.TOOL_TYPE, "function")
                .setAttribute(Keys.TOOL_NAME_OI, step.name());
        String callId = text(step, "call_id");
        if (callId != null) {
            builder.setAttribute(Keys.TOOL_CALL_ID, callId);
        }
        String agent = text(step, "agent");
        if (agent != null) {
            builder.setAttribute(Keys.AGENT_NAME, agent);
        }
        if (captureContent) {
            String arguments = text(step, "input");
            if (arguments != null) {
                builder.setAttribute(Keys.TOOL_CALL_ARGUMENTS, redact(arguments))
                        .setAttribute(Keys.INPUT_VALUE, redact(arguments))
                        .setAttribute(Keys.INPUT_MIME_TYPE, "application/json");
            }
            String result = text(step, "output");
            if (result != null) {
                builder.setAttribute(Keys.TOOL_CALL_RESULT, redact(result))
                        .setAttribute(Keys.OUTPUT_VALUE, redact(result));
            }
        }
        Span span = builder.startSpan();
        failIfErrored(span, step, "tool_error");
        return span;
    }

    private Span guardrailSpan(Run run, Step step, Context parent) {
        SpanBuilder builder = builder(run, "guardrail " + step.name(), SpanKind.INTERNAL, step, parent, "GUARDRAIL")
                .setAttribute(Keys.GUARDRAIL_NAME, step.name())
                .setAttribute(Keys.GUARDRAIL_TRIGGERED, Boolean.TRUE.equals(step.attributes().get("triggered")));
        String stage = text(step, "stage");
        if (stage != null) {
            builder.setAttribute(Keys.GUARDRAIL_STAGE, stage);
        }
        String agent = text(step, "agent");
        if (agent != null) {
            builder.setAttribute(Keys.AGENT_NAME, agent);
        }
        // A tripped guardrail did its job: the span is not an error (the run, failed by it, is).
        return builder.startSpan();
    }

    private Span handoffSpan(Run run, Step step, Context parent) {
        String to = text(step, "to_agent");
        SpanBuilder builder = builder(run, to == null ? "handoff" : "handoff to " + to, SpanKind.INTERNAL, step,
                parent, "TOOL")
                .setAttribute(Keys.TOOL_NAME_OI, step.name());
        String from = text(step, "from_agent");
        if (from != null) {
            builder.setAttribute(Keys.HANDOFF_FROM, from).setAttribute(Keys.AGENT_NAME, from);
        }
        if (to != null) {
            builder.setAttribute(Keys.HANDOFF_TO, to);
        }
        return builder.startSpan();
    }

    private Span runEndSpan(Run run, Step step, Context parent) {
        SpanBuilder builder = builder(run, step.name(), SpanKind.INTERNAL, step, parent, "CHAIN");
        String reason = text(step, "reason");
        Span span = builder.startSpan();
        failIfErrored(span, step, reason != null ? reason : "run_failed");
        return span;
    }

    private static void failIfErrored(Span span, Step step, String errorType) {
        if (step.error() != null) {
            span.setStatus(StatusCode.ERROR, redact(step.error()));
            span.setAttribute(Keys.ERROR_TYPE, errorType);
        }
    }

    private static String text(Step step, String key) {
        Object value = step.attributes().get(key);
        return value == null ? null : value.toString();
    }

    private static long number(Step step, String key) {
        return step.attributes().get(key) instanceof Number number ? number.longValue() : 0;
    }

    private static String redact(String text) {
        return SignedLinkRedaction.redactText(text);
    }

    static String idOf(Span span) {
        SpanContext context = span.getSpanContext();
        return context.isValid() ? context.getSpanId() : null;
    }

    /** The OpenInference provider for a GenAI provider name: Azure-hosted OpenAI is {@code azure}. */
    static final class ModelProviders {
        private ModelProviders() {
        }

        static String openInference(String providerName) {
            return providerName != null && providerName.startsWith("azure") ? "azure" : "openai";
        }
    }
}
