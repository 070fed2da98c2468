package dev.agentharness.runtime.agent;

import dev.agentharness.runtime.model.ConversationItem;
import dev.agentharness.runtime.model.ConversationItem.AssistantMessage;
import dev.agentharness.runtime.model.ConversationItem.FunctionCall;
import dev.agentharness.runtime.model.ConversationItem.FunctionCallOutput;
import dev.agentharness.runtime.model.ConversationItem.UserMessage;
import dev.agentharness.runtime.model.ModelClient;
import dev.agentharness.runtime.model.ModelException;
import dev.agentharness.runtime.model.ModelRequest;
import dev.agentharness.runtime.model.ModelResponse;
import dev.agentharness.runtime.model.ModelSettings;
import dev.agentharness.runtime.model.ToolSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

/**
 * The agent loop, with the Agents SDK's semantics: each turn is one model call plus the tool calls it
 * asks for; a handoff switches the current agent; a response without tool calls ends the run with the
 * text of its last assistant message. It knows only {@link ModelClient}: no HTTP, no database.
 *
 * <p>Blocking by design: the runs layer calls it on a virtual thread per run.
 */
public final class Runner {

    static final String TOOL_ERROR_PREFIX = "An error occurred while running the tool. Please try again. Error: ";
    static final String ARGUMENTS_ERROR_PREFIX =
            "An error occurred while parsing tool arguments. Please try again with valid JSON. Error: ";
    static final String EXTRA_HANDOFF_OUTPUT = "Multiple handoffs detected, ignoring this one.";

    private static final Logger LOG = Logger.getLogger(Runner.class);

    private final ModelClient model;
    private final AgentLookup agents;
    private final Clock clock;

    public Runner(ModelClient model, AgentLookup agents) {
        this(model, agents, Clock.systemUTC());
    }

    public Runner(ModelClient model, AgentLookup agents, Clock clock) {
        this.model = model;
        this.agents = agents;
        this.clock = clock;
    }

    /**
     * Runs {@code start} on {@code input} after {@code history}.
     *
     * @throws AgentRunException when the run fails; it carries the partial trace and usage
     */
    public RunResult run(Agent start, List<ConversationItem> history, String input, RunConfig config) {
        return new Execution(start, history, input, config).run();
    }

    /** The mutable state of one run. */
    private final class Execution {
        private final RunConfig config;
        private final String input;
        private final List<ConversationItem> conversation;
        private final List<ConversationItem> newItems = new ArrayList<>();
        private final TraceRecorder trace = new TraceRecorder(clock);
        private Agent current;
        private TraceRecorder.OpenSpan agentSpan;
        private long inputTokens;
        private long outputTokens;
        private int turns;

        Execution(Agent start, List<ConversationItem> history, String input, RunConfig config) {
            this.current = start;
            this.input = input;
            this.config = config;
            this.conversation = new ArrayList<>(history);
        }

        RunResult run() {
            agentSpan = startAgentSpan(current);
            append(new UserMessage(input));
            runGuardrails(current.inputGuardrails(), input, "input", FailureReason.InputGuardrailTripwireTriggered);
            while (true) {
                if (config.cancelled().getAsBoolean()) {
                    throw failure(FailureReason.Cancelled, "Run cancelled", null);
                }
                if (turns >= config.maxTurns()) {
                    throw failure(FailureReason.MaxTurnsExceeded, "Max turns (" + config.maxTurns() + ") exceeded", null);
                }
                turns++;
                Map<String, Agent> handoffTargets = handoffTargets(current);
                ModelResponse response = callModel(handoffTargets);
                response.output().forEach(this::append);
                List<FunctionCall> calls = response.output().stream()
                        .filter(FunctionCall.class::isInstance).map(FunctionCall.class::cast).toList();
                if (calls.isEmpty()) {
                    String finalOutput = lastAssistantText(response);
                    runGuardrails(current.outputGuardrails(), finalOutput, "output",
                            FailureReason.OutputGuardrailTripwireTriggered);
                    agentSpan.end();
                    return new RunResult(finalOutput, current.name(), inputTokens, outputTokens, turns, newItems,
                            trace.spans());
                }
                Agent next = runCalls(calls, handoffTargets);
                if (next != null) {
                    agentSpan.end();
                    current = next;
                    agentSpan = startAgentSpan(next);
                }
            }
        }

        private ModelResponse callModel(Map<String, Agent> handoffTargets) {
            List<ToolSpec> tools = new ArrayList<>();
            current.tools().forEach(tool -> tools.add(tool.spec()));
            handoffTargets.values().forEach(target -> tools.add(Handoffs.spec(target)));
            String modelName = current.model() != null ? current.model() : config.defaultModel();
            ModelRequest request = new ModelRequest(modelName, current.instructions(), conversation, tools,
                    merge(current.modelSettings(), config.runSettings()), config.metadata());
            TraceRecorder.OpenSpan span = trace.start(TraceSpan.Kind.GENERATION, modelName)
                    .put("agent", current.name()).put("model", modelName).put("turn", turns);
            try {
                ModelResponse response = model.respond(request);
                inputTokens += response.inputTokens();
                outputTokens += response.outputTokens();
                span.put("response_id", response.responseId())
                        .put("input_tokens", response.inputTokens())
                        .put("output_tokens", response.outputTokens())
                        .end();
                return response;
            } catch (ModelException e) {
                span.fail(e.getMessage());
                FailureReason reason = e.kind() == ModelException.Kind.TIMEOUT
                        ? FailureReason.ModelTimeout : FailureReason.ModelUnavailable;
                throw failure(reason, e.getMessage(), e);
            }
        }

        /** Runs the calls in order; returns the handoff target when the model asked for one. */
        private Agent runCalls(List<FunctionCall> calls, Map<String, Agent> handoffTargets) {
            Agent handoff = null;
            for (FunctionCall call : calls) {
                Optional<FunctionTool> tool = current.tools().stream()
                        .filter(candidate -> candidate.name().equals(call.name())).findFirst();
                Agent target = handoffTargets.get(call.name());
                String output;
                if (tool.isPresent()) {
                    output = invoke(tool.get(), call);
                } else if (target != null && handoff == null) {
                    handoff = target;
                    output = Handoffs.output(target);
                    trace.start(TraceSpan.Kind.HANDOFF, Handoffs.toolName(target.name()))
                            .put("from_agent", current.name()).put("to_agent", target.name()).end();
                    LOG.infof("Agent %s hands off to %s", current.name(), target.name());
                } else if (target != null) {
                    // The SDK follows only the first handoff of a response and tells the model so.
                    output = EXTRA_HANDOFF_OUTPUT;
                } else {
                    throw failure(FailureReason.ModelBehaviorError,
                            "Tool " + call.name() + " not found in agent " + current.name(), null);
                }
                append(new FunctionCallOutput(call.callId(), output));
            }
            return handoff;
        }

        private String invoke(FunctionTool tool, FunctionCall call) {
            TraceRecorder.OpenSpan span = trace.start(TraceSpan.Kind.FUNCTION, tool.name())
                    .put("agent", current.name()).put("call_id", call.callId());
            if (config.traceIncludeSensitive()) {
                span.put("input", call.arguments());
            }
            // Names only at INFO: arguments and outputs may hold customer data or secrets.
            LOG.infof("Agent %s calls tool %s (call %s)", current.name(), tool.name(), call.callId());
            ToolContext context = new ToolContext(config.runId(), config.sessionId(), config.principal(), current.name());
            String output;
            try {
                output = invokeWithDeadline(tool, context, call.arguments());
                span.end();
            } catch (ToolArgumentsException e) {
                output = ARGUMENTS_ERROR_PREFIX + e.getMessage();
                span.fail(e.getMessage());
                LOG.warnf("Tool %s (call %s) got invalid arguments", tool.name(), call.callId());
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                output = TOOL_ERROR_PREFIX + e.getMessage();
                span.fail(e.getMessage());
                LOG.warnf("Tool %s (call %s) failed with %s", tool.name(), call.callId(), e.getClass().getSimpleName());
            }
            if (config.traceIncludeSensitive()) {
                span.put("output", output);
            }
            return output;
        }

        /**
         * Runs the tool on its own virtual thread and waits at most min(tool timeout, time left in the run): a tool
         * that hangs (a stuck HTTP call, a lock) must not hold the run past its deadline. An overdue call is
         * interrupted and abandoned, and the model is told it timed out.
         */
        private String invokeWithDeadline(FunctionTool tool, ToolContext context, String arguments) throws Exception {
            Duration budget = config.toolTimeout();
            if (config.deadline() != null) {
                Duration left = Duration.between(clock.instant(), config.deadline());
                budget = left.compareTo(budget) < 0 ? left : budget;
            }
            if (budget.isNegative() || budget.isZero()) {
                throw new ToolTimeoutException("the run's time limit is reached");
            }
            Map<String, Object> logContext = MDC.getMap();
            FutureTask<String> call = new FutureTask<>(() -> {
                logContext.forEach(MDC::put);
                return tool.invoker().invoke(context, arguments);
            });
            Thread.ofVirtual().name("tool-" + tool.name()).start(call);
            try {
                return call.get(budget.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                call.cancel(true);
                throw new ToolTimeoutException("the tool did not finish within " + budget.toMillis() + " ms");
            } catch (InterruptedException e) {
                call.cancel(true);
                throw e;
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
        }

        private void runGuardrails(List<Guardrail> guardrails, String text, String stage, FailureReason reason) {
            ToolContext context = new ToolContext(config.runId(), config.sessionId(), config.principal(), current.name());
            for (Guardrail guardrail : guardrails) {
                TraceRecorder.OpenSpan span = trace.start(TraceSpan.Kind.GUARDRAIL, guardrail.name())
                        .put("agent", current.name()).put("stage", stage);
                GuardrailResult result = guardrail.check().evaluate(context, text);
                span.put("triggered", result.tripwire()).end();
                if (result.tripwire()) {
                    LOG.infof("Guardrail %s (%s) tripped for agent %s", guardrail.name(), stage, current.name());
                    throw failure(reason, "Guardrail " + guardrail.name() + " triggered tripwire: "
                            + result.explanation(), null);
                }
            }
        }

        private Map<String, Agent> handoffTargets(Agent agent) {
            Map<String, Agent> targets = new LinkedHashMap<>();
            for (String name : agent.handoffs()) {
                // The registry validates targets at load time, so a miss here is a programming error.
                Agent target = agents.find(name).orElseThrow(() -> new IllegalStateException(
                        "agent " + agent.name() + " hands off to unknown agent " + name));
                targets.put(Handoffs.toolName(target.name()), target);
            }
            return targets;
        }

        private TraceRecorder.OpenSpan startAgentSpan(Agent agent) {
            return trace.start(TraceSpan.Kind.AGENT, agent.name())
                    .put("tools", agent.tools().stream().map(FunctionTool::name).toList())
                    .put("handoffs", agent.handoffs());
        }

        private void append(ConversationItem item) {
            conversation.add(item);
            newItems.add(item);
        }

        private AgentRunException failure(FailureReason reason, String message, Throwable cause) {
            agentSpan.fail(message);
            LOG.infof("Run failed in agent %s after %d turn(s): %s", current.name(), turns, reason);
            return new AgentRunException(reason, message, cause, current.name(), inputTokens, outputTokens, turns,
                    newItems, trace.spans());
        }
    }

    private static String lastAssistantText(ModelResponse response) {
        String text = "";
        for (ConversationItem item : response.output()) {
            if (item instanceof AssistantMessage message) {
                text = message.text();
            }
        }
        return text;
    }

    /** Run-level settings win field by field over the agent's. */
    private static ModelSettings merge(ModelSettings agent, ModelSettings run) {
        return new ModelSettings(
                run.temperature() != null ? run.temperature() : agent.temperature(),
                run.topP() != null ? run.topP() : agent.topP(),
                run.maxOutputTokens() != null ? run.maxOutputTokens() : agent.maxOutputTokens(),
                run.parallelToolCalls() != null ? run.parallelToolCalls() : agent.parallelToolCalls());
    }
}
