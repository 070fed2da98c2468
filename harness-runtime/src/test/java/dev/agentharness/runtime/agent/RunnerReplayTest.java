package dev.agentharness.runtime.agent;

import static dev.agentharness.runtime.agent.ScriptedModelClient.call;
import static dev.agentharness.runtime.agent.ScriptedModelClient.say;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A run that resumes from its journal: what an earlier attempt recorded durably is replayed, never redone; the loop
 * goes on from the first step without a record.
 */
class RunnerReplayTest {

    record Args(String text) {
    }

    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicInteger sends = new AtomicInteger();
    private final FunctionTool read = FunctionTool.of("read", "Reads", Args.class,
            (context, args) -> "read#" + reads.incrementAndGet()).withEffects(SideEffects.NONE);
    private final FunctionTool send = FunctionTool.of("send", "Sends an email", Args.class,
            (context, args) -> "sent#" + sends.incrementAndGet());
    private final Map<String, Agent> agents = new LinkedHashMap<>();
    private final RunConfig config = RunConfig.defaults("test-model").withIdentity("run-1", "sess-1", "alice");

    private Agent agent() {
        Agent agent = Agent.of("mailer", "Mail people.", List.of(read, send));
        agents.put(agent.name(), agent);
        return agent;
    }

    private static String outputOf(dev.agentharness.runtime.model.ModelRequest request, String callId) {
        return request.input().stream()
                .filter(dev.agentharness.runtime.model.ConversationItem.FunctionCallOutput.class::isInstance)
                .map(dev.agentharness.runtime.model.ConversationItem.FunctionCallOutput.class::cast)
                .filter(output -> output.callId().equals(callId)).findFirst().orElseThrow().output();
    }

    private Runner runner(ScriptedModelClient model) {
        return new Runner(model, name -> Optional.ofNullable(agents.get(name)));
    }

    /** Three turns: read (repeatable), send (side effect), then the answer. */
    private static ScriptedModelClient script() {
        return new ScriptedModelClient()
                .then(call("c1", "read", "{\"text\":\"a\"}"))
                .then(call("c2", "send", "{\"text\":\"b\"}"))
                .then(say("done"));
    }

    /** A journal that keeps what was written durably, and dies (like its replica) after {@code durableWrites}. */
    private static final class DyingJournal implements StepJournal {
        final List<RunStep> durable = new ArrayList<>();
        final List<RunStep> pending = new ArrayList<>();
        final List<StepKind> durableKinds = new ArrayList<>();
        private final int durableWrites;

        DyingJournal(int durableWrites) {
            this.durableWrites = durableWrites;
        }

        @Override
        public List<RunStep> recorded() {
            return List.of();
        }

        @Override
        public void record(RunStep step) {
            pending.add(step);
        }

        @Override
        public void recordDurably(RunStep step) {
            if (durableKinds.size() == durableWrites) {
                throw new IllegalStateException("the replica died");
            }
            pending.add(step);
            durable.addAll(pending);
            pending.clear();
            durableKinds.add(step.kind());
        }
    }

    @Test
    void onlyModelResponsesAndOutsideActionsWaitForTheDatabase() {
        DyingJournal journal = new DyingJournal(Integer.MAX_VALUE);

        runner(script()).run(agent(), List.of(), "go", config, journal);

        assertEquals(List.of(StepKind.MODEL_RESPONSE, StepKind.MODEL_RESPONSE, StepKind.TOOL_STARTED,
                StepKind.TOOL_OUTPUT, StepKind.MODEL_RESPONSE), journal.durableKinds,
                "the repeatable read is written with the next model response; the send's start is durable before it "
                        + "acts and its output right after");
        assertEquals(List.of(StepKind.AGENT_STARTED, StepKind.MODEL_RESPONSE, StepKind.TOOL_STARTED,
                StepKind.TOOL_OUTPUT, StepKind.MODEL_RESPONSE, StepKind.TOOL_STARTED, StepKind.TOOL_OUTPUT,
                StepKind.MODEL_RESPONSE), journal.durable.stream().map(RunStep::kind).toList());
    }

    @Test
    void aResumedRunNeverRepeatsARecordedModelCallOrToolCall() {
        DyingJournal first = new DyingJournal(4); // dies asking for the third model response
        assertThrows(IllegalStateException.class, () -> runner(script()).run(agent(), List.of(), "go", config, first));
        assertEquals(1, reads.get());
        assertEquals(1, sends.get());

        ScriptedModelClient model = new ScriptedModelClient().then(say("done"));
        RunResult resumed = runner(model).run(agent(), List.of(), "go", config, StepJournal.inMemory(first.durable));

        assertEquals("done", resumed.finalOutput());
        assertEquals(1, model.requests().size(), "only the call that was in flight at the crash is made again");
        assertEquals("read#1", outputOf(model.request(0), "c1"),
                "the recorded output is what the model sees");
        assertEquals("sent#1", outputOf(model.request(0), "c2"));
        assertEquals(1, reads.get(), "a recorded tool output is not executed again");
        assertEquals(1, sends.get());
        assertEquals(3, resumed.turns());
        assertEquals(30, resumed.inputTokens(), "usage counts the replayed responses too");
    }

    @Test
    void aResumedRunsBudgetCountsWhatItsEarlierAttemptsSpent() {
        // Every call: 10 input + 5 output tokens at $0.001 a token = $0.015, recorded with its response.
        RunConfig priced = config.withPricing((model, in, cached, out) -> (in + out) / 1000.0)
                .withBudget(RunBudget.of(0.03, null, SpendCheck.NONE));
        DyingJournal first = new DyingJournal(4); // two model responses recorded, dies asking for the third
        RunConfig unbounded = config.withPricing(priced.pricing());
        assertThrows(IllegalStateException.class, () -> runner(script()).run(agent(), List.of(), "go", unbounded,
                first));

        ScriptedModelClient model = new ScriptedModelClient().then(say("done"));
        AgentRunException stopped = assertThrows(AgentRunException.class, () -> runner(model)
                .run(agent(), List.of(), "go", priced, StepJournal.inMemory(first.durable)));

        assertEquals(FailureReason.BudgetExceeded, stopped.reason());
        assertTrue(stopped.getMessage().startsWith("spent $0.0300 of max_cost_usd $0.0300 over 2 model call(s)"),
                stopped.getMessage());
        assertEquals(0, model.requests().size(), "the replayed calls spent the budget: no live call");
    }

    @Test
    void thePrincipalsBudgetIsAskedBeforeEveryLiveCallWithTheRunsSpend() {
        List<Double> asked = new ArrayList<>();
        RunConfig priced = config.withPricing((model, in, cached, out) -> (in + out) / 1000.0)
                .withBudget(RunBudget.of(null, null, spent -> {
                    asked.add(spent);
                    return asked.size() == 3 ? Optional.of("daily budget spent") : Optional.empty();
                }));

        AgentRunException stopped = assertThrows(AgentRunException.class,
                () -> runner(script()).run(agent(), List.of(), "go", priced));

        assertEquals(FailureReason.BudgetExceeded, stopped.reason());
        assertEquals("daily budget spent", stopped.getMessage());
        assertEquals(3, asked.size());
        assertEquals(0.0, asked.get(0), 1e-12);
        assertEquals(0.015, asked.get(1), 1e-12);
        assertEquals(0.030, asked.get(2), 1e-12);
    }

    @Test
    void aSideEffectStartedWithoutARecordedOutputEndsTheRunUncertain() {
        List<RunStep> died = new ArrayList<>();
        DyingJournal first = new DyingJournal(3); // the send's start is durable; its output never was
        assertThrows(IllegalStateException.class, () -> runner(script()).run(agent(), List.of(), "go", config, first));
        died.addAll(first.durable);
        assertEquals(StepKind.TOOL_STARTED, died.getLast().kind());

        ScriptedModelClient model = new ScriptedModelClient().then(say("done"));
        AgentRunException failure = assertThrows(AgentRunException.class, () -> runner(model)
                .run(agent(), List.of(), "go", config, StepJournal.inMemory(died)));

        assertEquals(FailureReason.UncertainSideEffect, failure.reason());
        assertTrue(failure.getMessage().contains("send") && failure.getMessage().contains("c2"), failure.getMessage());
        assertEquals(1, sends.get(), "the send is not repeated");
        assertEquals(0, model.requests().size());
    }

    @Test
    void aRepeatableCallStartedWithoutAnOutputRunsAgain() {
        FunctionTool keyed = FunctionTool.of("send", "Sends, honouring the idempotency key", Args.class,
                (context, args) -> "sent " + context.idempotencyKey()).withEffects(SideEffects.KEYED);
        DyingJournal first = new DyingJournal(3); // died inside the call: its start is recorded, its output not
        assertThrows(IllegalStateException.class, () -> runner(script()).run(agent(), List.of(), "go", config, first));
        Agent agent = Agent.of("mailer", "Mail people.", List.of(read, keyed)); // the same agent, its send now keyed
        agents.put(agent.name(), agent);
        String keyBefore = new ToolContext("run-1", "sess-1", "alice", "mailer", "c2").idempotencyKey();

        ScriptedModelClient model = new ScriptedModelClient().then(say("done"));
        RunResult resumed = runner(model).run(agent, List.of(), "go", config, StepJournal.inMemory(first.durable));

        assertEquals("done", resumed.finalOutput());
        assertEquals("sent " + keyBefore, outputOf(model.request(0), "c2"),
                "the repeat carries the same idempotency key as the interrupted call");
    }

    @Test
    void aJournalThatNoLongerMatchesTheAgentIsRefused() {
        DyingJournal first = new DyingJournal(4);
        assertThrows(IllegalStateException.class, () -> runner(script()).run(agent(), List.of(), "go", config, first));
        Agent renamed = Agent.of("courier", "Mail people.", List.of(read, send));
        agents.put(renamed.name(), renamed);

        AgentRunException failure = assertThrows(AgentRunException.class, () -> runner(new ScriptedModelClient())
                .run(renamed, List.of(), "go", config, StepJournal.inMemory(first.durable)));

        assertEquals(FailureReason.ReplayDiverged, failure.reason());
    }

    @Test
    void theTraceOfAResumedRunIsBuiltFromTheWholeJournal() {
        DyingJournal first = new DyingJournal(4);
        assertThrows(IllegalStateException.class, () -> runner(script()).run(agent(), List.of(), "go", config, first));

        RunResult resumed = runner(new ScriptedModelClient().then(say("done")))
                .run(agent(), List.of(), "go", config, StepJournal.inMemory(first.durable));

        assertEquals(List.of(TraceSpan.Kind.AGENT, TraceSpan.Kind.GENERATION, TraceSpan.Kind.FUNCTION,
                TraceSpan.Kind.GENERATION, TraceSpan.Kind.FUNCTION, TraceSpan.Kind.GENERATION),
                resumed.trace().stream().map(TraceSpan::kind).toList());
        assertEquals(List.of("resp_1", "resp_2", "resp_1"), resumed.trace().stream()
                .filter(span -> span.kind() == TraceSpan.Kind.GENERATION)
                .map(span -> span.attributes().get("response_id")).toList(),
                "two responses from the first attempt, one from the second");
    }
}
