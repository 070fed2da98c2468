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
import java.time.Instant;
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
     * Runs {@code start} on {@code input} after {@code history}, with a journal kept in memory only.
     *
     * @throws AgentRunException when the run fails; it carries the partial trace and usage
     */
    public RunResult run(Agent start, List<ConversationItem> history, String input, RunConfig config) {
        return run(start, history, input, config, StepJournal.inMemory());
    }

    /**
     * Runs {@code start} on {@code input} after {@code history}, recording every step in {@code journal}. When the
     * journal holds steps of an earlier attempt, they are replayed first: a recorded model response is not requested
     * again, a recorded tool output not executed again, and the run goes on from the first step without a record.
     *
     * @throws AgentRunException when the run fails; it carries the partial trace and usage
     */
    public RunResult run(Agent start, List<ConversationItem> history, String input, RunConfig config,
                         StepJournal journal) {
        return new Execution(start, history, input, config, journal).run();
    }

    /** The mutable state of one run. */
    private final class Execution {
        private final RunConfig config;
        private final String input;
        private final List<ConversationItem> conversation;
        private final List<ConversationItem> newItems = new ArrayList<>();
        private final StepJournal journal;
        private final Replay replay;
        private final List<RunStep> steps = new ArrayList<>();
        private Agent current;
        private long inputTokens;
        private long outputTokens;
        private int turns;

        Execution(Agent start, List<ConversationItem> history, String input, RunConfig config, StepJournal journal) {
            this.current = start;
            this.input = input;
            this.config = config;
            this.conversation = new ArrayList<>(history);
            this.journal = journal;
            this.replay = new Replay(journal.recorded());
        }

        RunResult run() {
            try {
                return loop();
            } catch (JournalFencedException e) {
                throw failure(FailureReason.LeaseLost, e.getMessage(), e);
            }
        }

        private RunResult loop() {
            if (!replay.done()) {
                LOG.infof("Resuming run from its journal: %d step(s) recorded", replay.size());
            }
            startAgent(current);
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
                    return new RunResult(finalOutput, current.name(), inputTokens, outputTokens, turns, newItems,
                            trace(), steps);
                }
                Agent next = runCalls(calls, handoffTargets);
                if (next != null) {
                    current = next;
                    startAgent(next);
                }
            }
        }

        private ModelResponse callModel(Map<String, Agent> handoffTargets) {
            String modelName = current.model() != null ? current.model() : config.defaultModel();
            Optional<RunStep> recorded = replay.next(StepKind.MODEL_RESPONSE, "agent", current.name());
            if (recorded.isPresent()) {
                ModelResponse response = JournalSteps.modelResponse(recorded.get());
                count(response);
                keep(recorded.get());
                return response;
            }
            List<ToolSpec> tools = new ArrayList<>();
            current.tools().forEach(tool -> tools.add(tool.spec()));
            handoffTargets.values().forEach(target -> tools.add(Handoffs.spec(target)));
            ModelRequest request = new ModelRequest(modelName, current.instructions(), conversation, tools,
                    merge(current.modelSettings(), config.runSettings()), config.metadata());
            Instant startedAt = clock.instant();
            ModelResponse response;
            try {
                response = model.respond(request);
            } catch (ModelException e) {
                record(JournalSteps.modelFailed(current.name(), modelName, turns, e.getMessage(),
                        e.kind().name().toLowerCase(java.util.Locale.ROOT), startedAt, clock.instant()), false);
                FailureReason reason = e.kind() == ModelException.Kind.TIMEOUT
                        ? FailureReason.ModelTimeout : FailureReason.ModelUnavailable;
                throw failure(reason, e.getMessage(), e);
            }
            count(response);
            // Priced now, at the price of this moment, and recorded with the response: never re-priced later.
            double costUsd = config.pricing().costUsd(modelName, response.inputTokens(), response.cachedInputTokens(),
                    response.outputTokens());
            // Durable before anything acts on it: a resumed run must never pay for this call again.
            record(JournalSteps.modelResponse(current.name(), modelName, turns, response, costUsd, startedAt,
                    clock.instant()), true);
            return response;
        }

        private void count(ModelResponse response) {
            inputTokens += response.inputTokens();
            outputTokens += response.outputTokens();
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
                    Optional<RunStep> recorded = replay.next(StepKind.HANDOFF, "call_id", call.callId());
                    if (recorded.isPresent()) {
                        keep(recorded.get());
                    } else {
                        record(JournalSteps.handoff(current.name(), target.name(), call.callId(), clock.instant()),
                                false);
                        LOG.infof("Agent %s hands off to %s", current.name(), target.name());
                    }
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

        /**
         * A tool call, or its recorded output. A call that started before the run's last replica died and has no
         * output is executed again only when its tool says a repeat is harmless ({@link SideEffects#repeatable()}).
         */
        private String invoke(FunctionTool tool, FunctionCall call) {
            Optional<RunStep> started = replay.next(StepKind.TOOL_STARTED, "call_id", call.callId());
            started.ifPresent(this::keep);
            Optional<RunStep> finished = replay.next(StepKind.TOOL_OUTPUT, "call_id", call.callId());
            if (finished.isPresent()) {
                keep(finished.get());
                return finished.get().text("output");
            }
            if (started.isPresent() && !replay.done()) {
                throw failure(FailureReason.ReplayDiverged, "the run's journal does not match its agent any more: "
                        + "tool call " + call.callId() + " has a start but step " + (replay.position() + 1) + " is "
                        + replay.peekKind() + " instead of its output", null);
            }
            if (started.isPresent() && !tool.effects().repeatable()) {
                throw failure(FailureReason.UncertainSideEffect, "tool call " + tool.name() + " (call "
                        + call.callId() + ", journal step " + replay.position() + ") started on a replica that "
                        + "stopped before recording its output; the tool may have acted, and it does not declare "
                        + "that a repeat is harmless, so it is not run again", null);
            }
            Instant startedAt = clock.instant();
            if (started.isEmpty()) {
                // An outside action is durable before it happens, so a resumed run knows it may have happened.
                record(JournalSteps.toolStarted(current.name(), tool.name(), call.callId(), call.arguments(),
                        startedAt), tool.effects() == SideEffects.EXTERNAL);
            } else {
                LOG.infof("Tool %s (call %s) is executed again on resume: it declares %s", tool.name(),
                        call.callId(), tool.effects());
            }
            // Names only at INFO: arguments and outputs may hold customer data or secrets.
            LOG.infof("Agent %s calls tool %s (call %s)", current.name(), tool.name(), call.callId());
            ToolContext context = new ToolContext(config.runId(), config.sessionId(), config.principal(), current.name(),
                    call.callId());
            String output;
            String error = null;
            boolean bodyRan = true;
            try {
                output = invokeWithDeadline(tool, context, call.arguments());
            } catch (ToolArgumentsException e) {
                output = ARGUMENTS_ERROR_PREFIX + e.getMessage();
                error = e.getMessage();
                bodyRan = false;
                LOG.warnf("Tool %s (call %s) got invalid arguments", tool.name(), call.callId());
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                output = TOOL_ERROR_PREFIX + e.getMessage();
                error = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                LOG.warnf("Tool %s (call %s) failed with %s", tool.name(), call.callId(), e.getClass().getSimpleName());
            }
            // An outside action's result is durable at once; a repeatable call's waits for the next durable step.
            record(JournalSteps.toolOutput(current.name(), tool.name(), call.callId(), output, error, bodyRan,
                    startedAt, clock.instant()), tool.effects() == SideEffects.EXTERNAL);
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
                Optional<RunStep> recorded = replay.next(StepKind.GUARDRAIL, "name", guardrail.name());
                GuardrailResult result;
                if (recorded.isPresent()) {
                    keep(recorded.get());
                    result = new GuardrailResult(recorded.get().payload().path("triggered").asBoolean(),
                            recorded.get().text("explanation"));
                } else {
                    Instant startedAt = clock.instant();
                    result = guardrail.check().evaluate(context, text);
                    record(JournalSteps.guardrail(current.name(), guardrail.name(), stage, result, startedAt,
                            clock.instant()), false);
                }
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

        private void startAgent(Agent agent) {
            Optional<RunStep> recorded = replay.next(StepKind.AGENT_STARTED, "agent", agent.name());
            if (recorded.isPresent()) {
                keep(recorded.get());
            } else {
                record(JournalSteps.agentStarted(agent, clock.instant()), false);
            }
        }

        /** A replayed step: part of this run's record already. */
        private void keep(RunStep step) {
            steps.add(step);
        }

        private void record(RunStep step, boolean durable) {
            if (!replay.done()) {
                // The loop asks for something the journal has no record of while records remain: it diverged.
                throw failure(FailureReason.ReplayDiverged, "the run's journal does not match its agent any more: "
                        + "step " + (replay.position() + 1) + " is " + replay.peekKind() + ", but the agent now did "
                        + step.kind().wire() + "; was the agent's definition changed while the run was in flight?", null);
            }
            steps.add(step);
            if (durable) {
                journal.recordDurably(step);
            } else {
                journal.record(step);
            }
        }

        private void append(ConversationItem item) {
            conversation.add(item);
            newItems.add(item);
        }

        private List<TraceSpan> trace() {
            return JournalTrace.spans(steps, config.traceIncludeSensitive(), clock.instant());
        }

        private AgentRunException failure(FailureReason reason, String message, Throwable cause) {
            LOG.infof("Run failed in agent %s after %d turn(s): %s", current.name(), turns, reason);
            return new AgentRunException(reason, message, cause, current.name(), inputTokens, outputTokens, turns,
                    newItems, JournalTrace.failing(steps, config.traceIncludeSensitive(), clock.instant(), message),
                    steps);
        }
    }

    /** The steps an earlier attempt recorded, consumed in order as the loop reaches them again. */
    private static final class Replay {
        private final List<RunStep> recorded;
        private int position;

        Replay(List<RunStep> recorded) {
            this.recorded = recorded;
        }

        /** The next recorded step when it is of {@code kind} with {@code field} = {@code value}; empty otherwise. */
        Optional<RunStep> next(StepKind kind, String field, String value) {
            if (done()) {
                return Optional.empty();
            }
            RunStep step = recorded.get(position);
            if (step.kind() != kind || !java.util.Objects.equals(step.text(field), value)) {
                return Optional.empty();
            }
            position++;
            return Optional.of(step);
        }

        boolean done() {
            return position >= recorded.size();
        }

        int position() {
            return position;
        }

        int size() {
            return recorded.size();
        }

        String peekKind() {
            return done() ? "the end" : recorded.get(position).kind().wire();
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
