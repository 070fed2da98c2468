package dev.agentharness.runtime.agent;

import static dev.agentharness.runtime.agent.ScriptedModelClient.call;
import static dev.agentharness.runtime.agent.ScriptedModelClient.say;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentharness.runtime.model.ConversationItem;
import dev.agentharness.runtime.model.ConversationItem.FunctionCallOutput;
import dev.agentharness.runtime.model.ConversationItem.UserMessage;
import dev.agentharness.runtime.model.ModelException;
import dev.agentharness.runtime.model.ModelRequest;
import dev.agentharness.runtime.model.ModelSettings;
import dev.agentharness.runtime.model.ToolSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RunnerTest {

    record EchoArgs(String text, int times) {
    }

    record NoArgs() {
    }

    private static final FunctionTool ECHO = FunctionTool.of("echo", "Repeat text", EchoArgs.class,
            (context, args) -> args.text().repeat(args.times()));
    private static final FunctionTool EXPLODE = FunctionTool.of("explode", "Always fails", NoArgs.class,
            (context, args) -> {
                throw new IllegalStateException("disk on fire");
            });

    private final ScriptedModelClient model = new ScriptedModelClient();
    private final Map<String, Agent> agents = new LinkedHashMap<>();
    private final Runner runner = new Runner(model, name -> Optional.ofNullable(agents.get(name)));
    private final RunConfig config = RunConfig.defaults("test-model");

    private Agent register(Agent agent) {
        agents.put(agent.name(), agent);
        return agent;
    }

    private Agent assistant() {
        return register(Agent.of("assistant", "Be helpful.", List.of(ECHO, EXPLODE)));
    }

    private static FunctionCallOutput outputOf(ModelRequest request, String callId) {
        return request.input().stream()
                .filter(FunctionCallOutput.class::isInstance).map(FunctionCallOutput.class::cast)
                .filter(output -> output.callId().equals(callId))
                .findFirst().orElseThrow(() -> new AssertionError("no output for " + callId + " in " + request.input()));
    }

    @Test
    void aResponseWithoutToolCallsIsTheFinalOutput() {
        model.then(say("thinking"), say("Hello!"));

        RunResult result = runner.run(assistant(), List.of(), "hi", config);

        assertEquals("Hello!", result.finalOutput(), "the text of the last assistant message");
        assertEquals("assistant", result.lastAgent());
        assertEquals(1, result.turns());
        assertEquals(List.of(new UserMessage("hi"), say("thinking"), say("Hello!")), result.newItems());
        ModelRequest request = model.request(0);
        assertEquals("Be helpful.", request.instructions());
        assertEquals("test-model", request.model());
        assertEquals(List.of("echo", "explode"), request.tools().stream().map(ToolSpec::name).toList());
    }

    @Test
    void theWholeConversationIsSentEveryTurn() {
        List<ConversationItem> history = List.of(new UserMessage("earlier"), say("earlier answer"));
        model.then(call("c1", "echo", "{\"text\":\"ab\",\"times\":2}")).then(say("done"));

        RunResult result = runner.run(assistant(), history, "now", config);

        assertEquals(List.of(new UserMessage("earlier"), say("earlier answer"), new UserMessage("now")),
                model.request(0).input());
        assertEquals(List.of(new UserMessage("earlier"), say("earlier answer"), new UserMessage("now"),
                        call("c1", "echo", "{\"text\":\"ab\",\"times\":2}"), new FunctionCallOutput("c1", "abab")),
                model.request(1).input());
        assertEquals("done", result.finalOutput());
        assertEquals(2, result.turns());
        assertEquals(List.of(new UserMessage("now"), call("c1", "echo", "{\"text\":\"ab\",\"times\":2}"),
                        new FunctionCallOutput("c1", "abab"), say("done")),
                result.newItems(), "history is not part of the new items");
    }

    @Test
    void maxTurnsDefaultsToTenAndTheEleventhCallFailsTheRun() {
        model.then(call("c", "echo", "{\"text\":\"x\",\"times\":1}"));

        AgentRunException failure = assertThrows(AgentRunException.class,
                () -> runner.run(assistant(), List.of(), "loop", config));

        assertEquals(FailureReason.MaxTurnsExceeded, failure.reason());
        assertEquals("Max turns (10) exceeded", failure.getMessage());
        assertEquals(10, model.requests().size());
        assertEquals(10, failure.turns());
        assertEquals(100, failure.inputTokens(), "usage of the turns that did happen is kept");
    }

    @Test
    void maxTurnsIsConfigurable() {
        model.then(call("c", "echo", "{\"text\":\"x\",\"times\":1}"));

        AgentRunException failure = assertThrows(AgentRunException.class,
                () -> runner.run(assistant(), List.of(), "loop", config.withMaxTurns(3)));

        assertEquals("Max turns (3) exceeded", failure.getMessage());
        assertEquals(3, model.requests().size());
    }

    @Test
    void aToolExceptionGoesBackToTheModelAndTheLoopContinues() {
        model.then(call("c1", "explode", "{}")).then(say("Sorry, that failed."));

        RunResult result = runner.run(assistant(), List.of(), "go", config);

        assertEquals("An error occurred while running the tool. Please try again. Error: disk on fire",
                outputOf(model.request(1), "c1").output());
        assertEquals("Sorry, that failed.", result.finalOutput());
    }

    @Test
    void aToolThatHangsIsAbandonedAtItsDeadlineInterruptedAndReportedToTheModel() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        FunctionTool hang = FunctionTool.of("hang", "Never returns", NoArgs.class, (context, args) -> {
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                interrupted.countDown();
                throw e;
            }
            return "unreachable";
        });
        Agent agent = register(Agent.of("stuck", "x", List.of(hang)));
        model.then(call("c1", "hang", "{}")).then(say("the tool timed out"));

        RunResult result = runner.run(agent, List.of(), "go",
                config.withTimeLimits(Duration.ofMillis(200), null));

        assertEquals(Runner.TOOL_ERROR_PREFIX + "the tool did not finish within 200 ms",
                outputOf(model.request(1), "c1").output());
        assertEquals("the tool timed out", result.finalOutput());
        assertTrue(interrupted.await(10, TimeUnit.SECONDS), "the abandoned call is interrupted");
    }

    @Test
    void aToolCallNeverOutlivesTheRunDeadline() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        Runner fixedTime = new Runner(model, name -> Optional.ofNullable(agents.get(name)),
                Clock.fixed(now, ZoneOffset.UTC));
        FunctionTool hang = FunctionTool.of("hang", "Never returns", NoArgs.class, (context, args) -> {
            new CountDownLatch(1).await();
            return "unreachable";
        });
        Agent agent = register(Agent.of("stuck", "x", List.of(hang)));
        model.then(call("c1", "hang", "{}")).then(say("done"));

        fixedTime.run(agent, List.of(), "go", config.withTimeLimits(Duration.ofHours(1), now.plusMillis(150)));

        assertEquals(Runner.TOOL_ERROR_PREFIX + "the tool did not finish within 150 ms",
                outputOf(model.request(1), "c1").output(), "min(tool limit, time left in the run)");
    }

    @Test
    void malformedJsonArgumentsGoBackToTheModelAndTheLoopContinues() {
        model.then(call("c1", "echo", "{\"text\": \"a\", ")).then(say("retrying later"));

        RunResult result = runner.run(assistant(), List.of(), "go", config);

        String output = outputOf(model.request(1), "c1").output();
        assertTrue(output.startsWith(
                "An error occurred while parsing tool arguments. Please try again with valid JSON. Error: "), output);
        assertEquals("retrying later", result.finalOutput());
    }

    @Test
    void wrongTypedOrMissingArgumentsAreParseErrors() {
        model.then(call("c1", "echo", "{\"text\":\"a\",\"times\":\"many\"}"),
                        call("c2", "echo", "{\"times\":2}"),
                        call("c3", "echo", "{\"text\":\"a\",\"times\":1,\"extra\":true}"),
                        call("c4", "echo", "[1,2]"))
                .then(say("ok"));

        runner.run(assistant(), List.of(), "go", config);

        ModelRequest next = model.request(1);
        for (String callId : List.of("c1", "c2", "c3", "c4")) {
            assertTrue(outputOf(next, callId).output().startsWith("An error occurred while parsing tool arguments."),
                    callId + ": " + outputOf(next, callId).output());
        }
        assertTrue(outputOf(next, "c2").output().endsWith("missing required argument 'text'"));
    }

    @Test
    void aCallToAToolTheAgentDoesNotHaveFailsTheRun() {
        model.then(call("c1", "rm_rf", "{}"));

        AgentRunException failure = assertThrows(AgentRunException.class,
                () -> runner.run(assistant(), List.of(), "go", config));

        assertEquals(FailureReason.ModelBehaviorError, failure.reason());
        assertEquals("Tool rm_rf not found in agent assistant", failure.getMessage());
    }

    @Test
    void aHandoffSwitchesInstructionsAndTools() {
        FunctionTool refund = FunctionTool.of("refund", "Refund", NoArgs.class, (context, args) -> "refunded");
        Agent billing = register(new Agent("Billing Team", "Handles money.", "You do billing.", List.of(refund),
                List.of(), List.of(), List.of(), "billing-model", null));
        Agent front = register(assistant().withHandoffs(List.of(billing.name())));
        model.then(call("h1", "transfer_to_billing_team", "{}"))
                .then(call("r1", "refund", "{}"))
                .then(say("Refund issued."));

        RunResult result = runner.run(front, List.of(), "refund me", config);

        ToolSpec handoffTool = model.request(0).tools().get(2);
        assertEquals("transfer_to_billing_team", handoffTool.name());
        assertEquals("Handoff to the Billing Team agent to handle the request. Handles money.",
                handoffTool.description());
        assertEquals(StrictSchemas.emptyObject(), handoffTool.parameters());
        assertTrue(handoffTool.strict());

        ModelRequest afterHandoff = model.request(1);
        assertEquals("You do billing.", afterHandoff.instructions());
        assertEquals("billing-model", afterHandoff.model());
        assertEquals(List.of("refund"), afterHandoff.tools().stream().map(ToolSpec::name).toList());
        assertEquals("{\"assistant\": \"Billing Team\"}", outputOf(afterHandoff, "h1").output());

        assertEquals("Refund issued.", result.finalOutput());
        assertEquals("Billing Team", result.lastAgent());
        assertEquals(3, result.turns());
    }

    @Test
    void onlyTheFirstHandoffOfAResponseIsFollowed() {
        register(Agent.of("a", "A", List.of()));
        register(Agent.of("b", "B", List.of()));
        Agent front = register(assistant().withHandoffs(List.of("a", "b")));
        model.then(call("h1", "transfer_to_b", "{}"), call("h2", "transfer_to_a", "{}")).then(say("from b"));

        RunResult result = runner.run(front, List.of(), "x", config);

        assertEquals("b", result.lastAgent());
        assertEquals("B", model.request(1).instructions());
        assertEquals("Multiple handoffs detected, ignoring this one.", outputOf(model.request(1), "h2").output());
    }

    @Test
    void handoffToolNamesAreLowerCasedAndSanitised() {
        assertEquals("transfer_to_billing_team_2", Handoffs.toolName("Billing-Team 2"));
        assertEquals("transfer_to_maya", Handoffs.toolName("maya"));
    }

    @Test
    void anInputGuardrailTripwireFailsTheRunBeforeAnyModelCall() {
        Guardrail noSwearing = new Guardrail("no_swearing", (context, text) -> text.contains("darn")
                ? GuardrailResult.trip("mild swearing detected") : GuardrailResult.pass());
        Agent guarded = register(assistant().withGuardrails(List.of(noSwearing), List.of()));

        AgentRunException failure = assertThrows(AgentRunException.class,
                () -> runner.run(guarded, List.of(), "darn it", config));

        assertEquals(FailureReason.InputGuardrailTripwireTriggered, failure.reason());
        assertEquals("Guardrail no_swearing triggered tripwire: mild swearing detected", failure.getMessage());
        assertEquals(0, model.requests().size());
        assertEquals(0, failure.turns());
    }

    @Test
    void inputGuardrailsRunOnlyForTheFirstAgent() {
        AtomicInteger checks = new AtomicInteger();
        Guardrail counting = new Guardrail("counting", (context, text) -> {
            checks.incrementAndGet();
            return GuardrailResult.pass();
        });
        register(Agent.of("second", "2", List.of()).withGuardrails(List.of(counting), List.of()));
        Agent first = register(assistant().withHandoffs(List.of("second")).withGuardrails(List.of(counting), List.of()));
        model.then(call("h", "transfer_to_second", "{}")).then(say("ok"));

        runner.run(first, List.of(), "x", config);

        assertEquals(1, checks.get());
    }

    @Test
    void anOutputGuardrailChecksTheFinalOutputOfTheAgentThatProducedIt() {
        Guardrail noShouting = new Guardrail("no_shouting", (context, text) -> text.equals(text.toUpperCase())
                ? GuardrailResult.trip("all caps") : GuardrailResult.pass());
        Agent guarded = register(assistant().withGuardrails(List.of(), List.of(noShouting)));
        model.then(say("HELLO"));

        AgentRunException failure = assertThrows(AgentRunException.class,
                () -> runner.run(guarded, List.of(), "hi", config));

        assertEquals(FailureReason.OutputGuardrailTripwireTriggered, failure.reason());
        assertEquals("Guardrail no_shouting triggered tripwire: all caps", failure.getMessage());
        assertEquals(1, model.requests().size());
    }

    @Test
    void cancellationIsCheckedBeforeEveryTurn() {
        model.then(call("c", "echo", "{\"text\":\"x\",\"times\":1}"));
        AtomicInteger polls = new AtomicInteger();
        RunConfig cancelAfterTwoTurns = config.withCancellation(() -> polls.incrementAndGet() > 2);

        AgentRunException failure = assertThrows(AgentRunException.class,
                () -> runner.run(assistant(), List.of(), "go", cancelAfterTwoTurns));

        assertEquals(FailureReason.Cancelled, failure.reason());
        assertEquals(2, model.requests().size());
        assertEquals(2, failure.turns());
    }

    @Test
    void usageIsSummedOverAllTurns() {
        model.then(100, 20, call("c", "echo", "{\"text\":\"x\",\"times\":1}")).then(250, 40, say("done"));

        RunResult result = runner.run(assistant(), List.of(), "go", config);

        assertEquals(350, result.inputTokens());
        assertEquals(60, result.outputTokens());
    }

    @Test
    void modelFailuresMapToModelUnavailableOrModelTimeout() {
        model.then(call("c", "echo", "{\"text\":\"x\",\"times\":1}"))
                .thenFail(new ModelException(ModelException.Kind.UNAVAILABLE, "provider returned 503 after 3 attempts"));

        AgentRunException unavailable = assertThrows(AgentRunException.class,
                () -> runner.run(assistant(), List.of(), "go", config));

        assertEquals(FailureReason.ModelUnavailable, unavailable.reason());
        assertEquals("provider returned 503 after 3 attempts", unavailable.getMessage());
        assertEquals(10, unavailable.inputTokens());
        assertEquals(3, unavailable.newItems().size(), "user input, function call and its output");

        ScriptedModelClient slow = new ScriptedModelClient()
                .thenFail(new ModelException(ModelException.Kind.TIMEOUT, "model call timed out after 60s"));
        AgentRunException timeout = assertThrows(AgentRunException.class,
                () -> new Runner(slow, name -> Optional.empty()).run(assistant(), List.of(), "go", config));
        assertEquals(FailureReason.ModelTimeout, timeout.reason());
    }

    @Test
    void modelSettingsComeFromTheAgentWithRunOverrides() {
        Agent tuned = register(new Agent("tuned", "", "x", List.of(), List.of(), List.of(), List.of(), null,
                new ModelSettings(0.2, 0.9, 500, null)));
        RunConfig overriding = new RunConfig("m", 10, new ModelSettings(null, null, 100, true), null, null, null,
                null, Map.of("run_id", "run-1"), false, null, null, null);
        model.then(say("ok"));

        runner.run(tuned, List.of(), "x", overriding);

        assertEquals(new ModelSettings(0.2, 0.9, 100, true), model.request(0).settings());
        assertEquals(Map.of("run_id", "run-1"), model.request(0).metadata());
    }

    @Test
    void toolsReceiveTheRunContext() {
        List<ToolContext> seen = new ArrayList<>();
        FunctionTool whoami = FunctionTool.of("whoami", "Who am I", NoArgs.class, (context, args) -> {
            seen.add(context);
            return Map.of("agent", context.agentName());
        });
        Agent agent = register(Agent.of("ctx", "x", List.of(whoami)));
        model.then(call("c", "whoami", "")).then(say("ok"));

        runner.run(agent, List.of(), "x", config.withIdentity("run-7", "sess-3", "alice"));

        assertEquals(List.of(new ToolContext("run-7", "sess-3", "alice", "ctx", "c")), seen);
        assertEquals("{\"agent\":\"ctx\"}", outputOf(model.request(1), "c").output(),
                "a non-String result is serialised to JSON; empty arguments mean {}");
    }

    @Test
    void theTraceRecordsAgentsGenerationsFunctionsHandoffsAndGuardrails() {
        Guardrail pass = new Guardrail("always_ok", (context, text) -> GuardrailResult.pass());
        register(Agent.of("second", "2", List.of()).withGuardrails(List.of(), List.of(pass)));
        Agent first = register(assistant().withHandoffs(List.of("second")).withGuardrails(List.of(pass), List.of()));
        model.then(call("c1", "explode", "{}")).then(call("h1", "transfer_to_second", "{}")).then(say("bye"));

        RunResult result = runner.run(first, List.of(), "x", config.withTraceIncludeSensitive(true));

        List<String> spans = result.trace().stream().map(span -> span.kind().wireName() + ":" + span.name()).toList();
        assertEquals(List.of("agent:assistant", "guardrail:always_ok", "generation:test-model", "function:explode",
                "generation:test-model", "handoff:transfer_to_second", "agent:second", "generation:test-model",
                "guardrail:always_ok"), spans);
        TraceSpan explode = result.trace().get(3);
        assertEquals("disk on fire", explode.error());
        assertEquals("{}", explode.attributes().get("input"));
        TraceSpan generation = result.trace().get(2);
        assertEquals("resp_1", generation.attributes().get("response_id"));
        assertEquals(10L, generation.attributes().get("input_tokens"));
        TraceSpan handoff = result.trace().get(5);
        assertEquals(Map.of("from_agent", "assistant", "to_agent", "second"), handoff.attributes());
        assertEquals(false, result.trace().get(1).attributes().get("triggered"));
        for (TraceSpan span : result.trace()) {
            assertFalse(span.endedAt().isBefore(span.startedAt()), span.name());
        }
        assertNull(result.trace().get(0).error());
    }

    @Test
    void theTraceLeavesToolArgumentsOutUnlessSensitiveDataIsIncluded() {
        model.then(call("c1", "echo", "{\"text\":\"secret\",\"times\":1}")).then(say("ok"));

        RunResult result = runner.run(assistant(), List.of(), "x", config);

        TraceSpan echo = result.trace().stream().filter(span -> span.kind() == TraceSpan.Kind.FUNCTION)
                .findFirst().orElseThrow();
        assertFalse(echo.attributes().containsKey("input"));
        assertFalse(echo.attributes().containsKey("output"));
    }

    @Test
    void aFailedRunCarriesItsPartialTrace() {
        model.then(call("c1", "nope", "{}"));

        AgentRunException failure = assertThrows(AgentRunException.class,
                () -> runner.run(assistant(), List.of(), "x", config));

        List<TraceSpan> trace = failure.trace();
        assertEquals(List.of(TraceSpan.Kind.AGENT, TraceSpan.Kind.GENERATION),
                trace.stream().map(TraceSpan::kind).toList());
        assertEquals("Tool nope not found in agent assistant", trace.get(0).error());
        assertEquals(10, failure.inputTokens());
        assertEquals(5, failure.outputTokens());
    }
}
