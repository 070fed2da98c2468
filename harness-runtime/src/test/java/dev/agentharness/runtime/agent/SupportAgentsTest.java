package dev.agentharness.runtime.agent;

import static dev.agentharness.runtime.agent.ScriptedModelClient.call;
import static dev.agentharness.runtime.agent.ScriptedModelClient.say;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentharness.runtime.model.ConversationItem.FunctionCallOutput;
import dev.agentharness.runtime.model.ToolSpec;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SupportAgentsTest {

    private static final ToolContext CONTEXT = new ToolContext("run-1", "sess-1", null, "maya");
    private final ToolRegistry tools = ToolRegistry.builtIn();

    @Test
    void lookupAccountReturnsTheAccountAsJson() throws Exception {
        String output = tools.require("lookup_account").invoker().invoke(CONTEXT, "{\"account_id\":\" acme-1002 \"}");

        JsonNode account = new ObjectMapper().readTree(output);
        assertEquals("ACME-1002", account.get("id").asText());
        assertEquals("Jonas Weber", account.get("name").asText());
        assertEquals("Starter", account.get("plan").asText());
        assertEquals("past_due", account.get("status").asText());
        assertEquals(2, account.get("open_tickets").size());
        assertTrue(account.has("email"));
    }

    @Test
    void theBuiltInDirectoryHasFiveFictionalAccounts() {
        assertEquals(List.of("ACME-1001", "ACME-1002", "ACME-1003", "ACME-1004", "ACME-1005"),
                AccountDirectory.builtIn().ids());
    }

    @Test
    void lookupAccountThrowsForAnUnknownIdSoTheModelCanRetry() {
        Exception failure = assertThrows(IllegalArgumentException.class,
                () -> tools.require("lookup_account").invoker().invoke(CONTEXT, "{\"account_id\":\"ACME-9999\"}"));

        assertEquals("no account with id 'ACME-9999'; ids look like ACME-1001", failure.getMessage());
    }

    @Test
    void draftReplyIsDeterministicAndUsesItsInputs() throws Exception {
        ToolInvoker draft = tools.require("draft_reply").invoker();
        String args = "{\"customer_name\":\"Priya\",\"issue_summary\":\"your TLS certificate will be reissued today.\",\"tone\":\"apologetic\"}";

        String reply = draft.invoke(CONTEXT, args);

        assertEquals(reply, draft.invoke(CONTEXT, args));
        assertEquals("""
                Hi Priya, we're sorry for the trouble.

                Thanks for reaching out to ACME Cloud Support. Here is where things stand: your TLS certificate will be reissued today.

                If anything else comes up, just reply to this message.

                Thank you for your patience,
                Maya, ACME Cloud Tier-1 Support""", reply);
        String friendly = draft.invoke(CONTEXT, "{\"customer_name\":\"Mei\",\"issue_summary\":\"invites are in Settings.\",\"tone\":null}");
        assertTrue(friendly.startsWith("Hi Mei,\n"), friendly);
        assertTrue(friendly.contains("Cheers,"), friendly);
    }

    @Test
    void mayaHasHerToolsHandoffAndGuardrails() {
        Agent maya = BuiltInAgents.maya(tools);

        assertEquals(List.of("lookup_account", "draft_reply"), maya.tools().stream().map(FunctionTool::name).toList());
        assertEquals(List.of("billing"), maya.handoffs());
        assertEquals(List.of("no_card_numbers"), maya.inputGuardrails().stream().map(Guardrail::name).toList());
        assertEquals(List.of("no_secrets"), maya.outputGuardrails().stream().map(Guardrail::name).toList());
        assertTrue(maya.instructions().contains("Maya, Tier-1 Support at ACME Cloud"));
        assertTrue(maya.instructions().contains("draft_reply"));
        Agent billing = BuiltInAgents.billing(tools);
        assertEquals(List.of("lookup_account"), billing.tools().stream().map(FunctionTool::name).toList());
    }

    @Test
    void mayaLooksUpTheAccountDraftsAndAnswersWithTheDraft() {
        ScriptedModelClient model = new ScriptedModelClient()
                .then(call("c1", "lookup_account", "{\"account_id\":\"ACME-1001\"}"))
                .then(call("c2", "draft_reply", "{\"customer_name\":\"Priya\",\"issue_summary\":\"we are on it.\",\"tone\":null}"))
                .then(say("Hi Priya, ..."));
        AgentRegistry registry = new AgentRegistry(tools, Optional.empty());

        RunResult result = new Runner(model, registry)
                .run(registry.find("maya").orElseThrow(), List.of(), "ACME-1001: my cert is stuck", RunConfig.defaults("m"));

        assertEquals("Hi Priya, ...", result.finalOutput());
        assertEquals(List.of("lookup_account", "draft_reply", "transfer_to_billing"),
                model.request(0).tools().stream().map(ToolSpec::name).toList());
        String lookup = model.request(1).input().stream().filter(FunctionCallOutput.class::isInstance)
                .map(FunctionCallOutput.class::cast).findFirst().orElseThrow().output();
        assertTrue(lookup.contains("Priya Raman"), lookup);
    }

    @Test
    void noCardNumbersTripsOnLuhnValidCardNumbersOnly() {
        Guardrail guardrail = SupportGuardrails.noCardNumbers();

        assertTrue(guardrail.check().evaluate(CONTEXT, "my card is 4111 1111 1111 1111 pls fix").tripwire());
        assertTrue(guardrail.check().evaluate(CONTEXT, "card 5500-0000-0000-0004").tripwire());
        assertTrue(guardrail.check().evaluate(CONTEXT, "amex 378282246310005").tripwire());
        assertFalse(guardrail.check().evaluate(CONTEXT, "card 4111 1111 1111 1112").tripwire(), "fails Luhn");
        assertFalse(guardrail.check().evaluate(CONTEXT, "account ACME-1001, order 123456").tripwire());
        assertFalse(guardrail.check().evaluate(CONTEXT, "call +1 555 0100 please").tripwire());
    }

    @Test
    void mayaRefusesACardNumberBeforeCallingTheModel() {
        ScriptedModelClient model = new ScriptedModelClient();
        AgentRegistry registry = new AgentRegistry(tools, Optional.empty());

        AgentRunException failure = assertThrows(AgentRunException.class, () -> new Runner(model, registry)
                .run(registry.find("maya").orElseThrow(), List.of(), "charge 4111111111111111", RunConfig.defaults("m")));

        assertEquals(FailureReason.InputGuardrailTripwireTriggered, failure.reason());
        assertTrue(failure.getMessage().startsWith("Guardrail no_card_numbers triggered tripwire: "), failure.getMessage());
        assertFalse(failure.getMessage().contains("4111"), "the explanation never repeats the card number");
        assertTrue(model.requests().isEmpty());
    }

    @Test
    void noSecretsTripsOnKeysAndTokens() {
        Guardrail guardrail = SupportGuardrails.noSecrets();

        assertTrue(guardrail.check().evaluate(CONTEXT, "use sk-proj-abcdefghijklmnop1234").tripwire());
        assertTrue(guardrail.check().evaluate(CONTEXT, "key AKIAIOSFODNN7EXAMPLE here").tripwire());
        assertTrue(guardrail.check().evaluate(CONTEXT, "-----BEGIN RSA PRIVATE KEY-----\nabc").tripwire());
        GuardrailResult clean = guardrail.check().evaluate(CONTEXT, "Your plan is Business; ask-me anything.");
        assertFalse(clean.tripwire());
        assertEquals("the reply contains what looks like a credential: AWS access key id (AKIA…)",
                guardrail.check().evaluate(CONTEXT, "AKIAIOSFODNN7EXAMPLE").explanation());
    }
}
