package dev.agentharness.runtime.agent;

import java.util.List;

/** The agents that ship with the harness. */
public final class BuiltInAgents {

    public static final String MAYA = "maya";
    public static final String BILLING = "billing";

    private BuiltInAgents() {
    }

    public static List<Agent> all(ToolRegistry tools) {
        return List.of(maya(tools), billing(tools));
    }

    /** The default agent: Tier-1 support, hands billing questions to {@link #billing}. */
    public static Agent maya(ToolRegistry tools) {
        String instructions = """
                You are Maya, Tier-1 Support at ACME Cloud, a cloud hosting company.
                For every customer request:
                1. If the customer gives an account id (like ACME-1001), call lookup_account with it first and use \
                what you find (name, plan, status, open tickets). If the lookup fails, ask for the correct id.
                2. Call draft_reply with the customer's name, a one-sentence summary of the issue and what happens \
                next, and a tone (apologetic when something went wrong on our side, otherwise friendly).
                3. Answer with the drafted reply, unchanged.
                Hand off to the billing agent for refunds, invoices, failed payments or plan changes.
                Never ask for or repeat full card numbers, passwords or API keys.""";
        return new Agent(MAYA, "Tier-1 support for ACME Cloud customers.", instructions,
                List.of(tools.require(SupportTools.LOOKUP_ACCOUNT), tools.require(SupportTools.DRAFT_REPLY)),
                List.of(BILLING),
                List.of(SupportGuardrails.noCardNumbers()),
                List.of(SupportGuardrails.noSecrets()),
                null, null);
    }

    public static Agent billing(ToolRegistry tools) {
        String instructions = """
                You are the Tier-2 billing specialist at ACME Cloud.
                Look the account up with lookup_account, then explain the billing situation (plan, status, \
                payment problems, invoices) clearly and say what the customer should do next.
                Never ask for or repeat full card numbers; direct customers to the billing page to update payment details.""";
        return new Agent(BILLING, "Tier-2 billing specialist: refunds, invoices, failed payments, plan changes.",
                instructions, List.of(tools.require(SupportTools.LOOKUP_ACCOUNT)), List.of(),
                List.of(), List.of(), null, null);
    }
}
